"""PostgreSQL going away and coming back, seen through a TCP proxy the test stops and starts
(the real server stays up for everyone else): calls fail as StoreError while it is away, and
work again once it is back - including through pooled connections the outage broke."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import closing, suppress
from urllib.parse import urlsplit

import pytest

from helpbot.store import StoreError
from helpbot.store.postgres import PostgresStore
from store_fixtures import pg_url  # noqa: F401


class Proxy:
    """Forwards 127.0.0.1:port to the real server while started; ``stop`` also cuts every
    connection, as a server restart does."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with closing(socket.socket()) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for sock in self.sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def eventually(action, seconds: float = 30.0):
    """``action()`` once it stops raising StoreError (the pool reconnects in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return action()
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def proxied(pg_url):
    parts = urlsplit(pg_url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    store = PostgresStore(pg_url.replace(parts.netloc, f"{parts.username}@127.0.0.1:{proxy.port}"), timeout=0.5)
    yield proxy, store
    store.close()
    proxy.stop()


def test_a_server_down_at_start_then_up(proxied):
    proxy, store = proxied
    with pytest.raises(StoreError, match="unavailable"):
        store.record_feedback("s", "e", True)
    proxy.start()
    eventually(lambda: store.record_feedback("s", "e", True))
    assert store.report()["feedback_total"] == 1  # the refused vote was not half-saved


def test_a_server_restart_breaks_pooled_connections_and_the_store_recovers(proxied):
    proxy, store = proxied
    proxy.start()
    store.record_feedback("s", "e", True, "before")
    proxy.stop()  # every pooled connection is now dead
    with pytest.raises(StoreError):
        store.record_feedback("s", "e", True, "during")
    proxy.start()
    eventually(lambda: store.record_feedback("s", "e", True, "after"))
    assert store.report()["feedback_total"] == 2
