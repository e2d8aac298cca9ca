"""Redis for the tests: the shared server of CI (HELPBOT_TEST_REDIS_URL, a key prefix per test,
cleaned up afterwards) and private servers a test starts, kills and restarts itself.

Import the fixtures by name (``from redis_fixtures import redis_prefix, shared_redis``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

redis = pytest.importorskip("redis", reason="redis-py (the serve extra) is not installed")

from helpbot.redisconn import connect  # noqa: E402 - after the skip when redis-py is missing

REDIS_URL = os.environ.get("HELPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def shared_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); set HELPBOT_TEST_REDIS_URL or start redis-server")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(shared_redis: redis.Redis) -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    prefix = f"helpbot-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(shared_redis.scan_iter(f"{prefix}*", count=500))
    if keys:
        shared_redis.delete(*keys)


@pytest.fixture
def redis_clients() -> Iterator[Callable[[str], Any]]:
    """``open(url)``: a client made as the app makes one (helpbot.redisconn.connect), closed after
    the test (a client left to the garbage collector leaves its sockets open)."""
    made: list[Any] = []

    def open_client(url: str = REDIS_URL) -> Any:
        made.append(connect(url))
        return made[-1]

    yield open_client
    for client in made:
        client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a spare port, nothing kept on disk, so it can be killed
    and started again mid-test (a restarted one is empty, as production's would be)."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        with redis.Redis(port=self.port, socket_timeout=1) as client:
            while True:
                try:
                    client.ping()
                    return self
                except redis.RedisError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                    time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.kill()


__all__ = ["REDIS_URL", "RedisServer", "free_port", "private_redis", "redis_clients", "redis_prefix",
           "shared_redis"]
