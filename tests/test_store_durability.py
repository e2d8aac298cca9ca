"""Acknowledged feedback is never lost when the writing process is killed (SIGKILL), on every backend.

Writer processes save votes in a loop and print each vote's number only after
``record_feedback`` returned (the web layer answers 201 at that moment). They are killed at
random moments - inside a transaction, between commit and print, anywhere - and started again.
Afterwards every printed vote must be in the database, and each killed writer may have at most
one vote more than it printed (committed, killed before it could say so): commits are in order.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from store_fixtures import Backend, backend, pg_url  # noqa: F401

WRITER = """
import sys
from helpbot.store import open_store

store = open_store(sys.argv[1], None)
name, n = sys.argv[2], 0
while True:
    store.record_feedback(name, "tt-zip-code", n % 2 == 0, f"{name} vote {n}")
    print(n, flush=True)  # the acknowledgement: only after the write returned
    n += 1
"""


class Writer:
    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.acknowledged: list[int] = []
        self.process = subprocess.Popen([sys.executable, "-c", WRITER, url, name], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.acknowledged.append(int(line))

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.mark.slow
def test_killed_writers_lose_no_acknowledged_vote(backend: Backend):
    url = backend.target if backend.name == "postgres" else f"sqlite:///{backend.target}"
    backend.store().migrate()  # the writers race on the rows, not on creating the tables
    rng = random.Random(14)
    writers: list[Writer] = []
    for round_ in range(3):
        batch = [Writer(url, f"r{round_}w{k}") for k in range(4)]
        writers += batch
        goals = [rng.randint(5, 60) for _ in batch]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(len(w.acknowledged) < g for w, g in zip(batch, goals)):
            for writer, goal in zip(batch, goals):
                if len(writer.acknowledged) >= goal and writer.process.poll() is None:
                    time.sleep(rng.random() * 0.01)  # somewhere inside the next write
                    writer.kill()
            time.sleep(0.002)
        for writer in batch:
            if writer.process.poll() is None:
                writer.kill()
    stored: dict[str, set[int]] = {}
    for session_id, comment in backend.rows("SELECT session_id, comment FROM feedback"):
        stored.setdefault(session_id, set()).add(int(comment.rsplit(" ", 1)[1]))
    assert sum(len(w.acknowledged) for w in writers) >= 60, "the writers hardly wrote: the test proves nothing"
    for writer in writers:
        acknowledged, saved = set(writer.acknowledged), stored.get(writer.name, set())
        assert acknowledged <= saved, f"{writer.name}: acknowledged but lost: {sorted(acknowledged - saved)}"
        assert saved <= set(range(len(writer.acknowledged) + 1)), f"{writer.name}: out of order {sorted(saved)}"
