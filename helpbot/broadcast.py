""""A knowledge reload was published": one message that reaches every worker on every host.

A reload is published once (``POST /admin/reload`` on any worker, ``helpbot reload``, or a
deploy script) and every worker that listens rebuilds its Bot in the background. What carries
the message follows the URLs the fleet already shares (:func:`broadcast_for`):

- ``HELPBOT_SESSION_URL=redis://...``: Redis pub/sub wakes every worker at once; the latest
  publication is also kept under a key, and every listener reads it every few seconds, so a
  worker that missed a message (it was restarting, or Redis was) catches up on its next poll.
- else ``HELPBOT_DATABASE_URL=postgresql://...``: one row in PostgreSQL, polled every few seconds.
- else (one host, the SQLite default): the same row in the SQLite file, polled. ``helpbot reload``
  on that host and every gunicorn worker read the same file.

A listener acts when the latest publication's id differs from the one it last saw (not when a
number grew), so a Redis that restarted empty is no false alarm and publishes after it still
count. Each worker also reports how its build went (building, done, failed) under the reload's
id, so ``GET /admin/reload/<id>`` on any worker shows the whole fleet. Both are best-effort:
a backend that is down is logged and retried, and answering questions never waits for it.

The backends, and :func:`~helpbot.broadcast_backends.broadcast_for` which picks one, live in
:mod:`helpbot.broadcast_backends`.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from helpbot import cache

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0      # how often a listener reads the latest publication
STATUS_TTL_SECONDS = 7 * 24 * 3600  # how long workers' reports of one reload are kept


@dataclass(frozen=True)
class Published:
    """One publication: ``version`` counts publications (for people), ``reload_id`` names it."""

    version: int
    reload_id: str
    published_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Broadcast:
    """What every backend provides; the listening thread is shared.

    Backends implement ``publish``, ``latest``, ``report`` and ``reports``; Redis also overrides
    ``wait`` so a published message wakes a listener at once instead of at its next poll.
    """

    name = "base"

    def __init__(self, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what a backend implements -------------------------------------------------------------

    def publish(self, reload_id: str) -> Published:
        raise NotImplementedError

    def latest(self) -> Published | None:
        raise NotImplementedError

    def report(self, reload_id: str, worker: str, status: Mapping[str, Any]) -> None:
        """Record how this worker's build of ``reload_id`` stands (a JSON-able dict)."""
        raise NotImplementedError

    def reports(self, reload_id: str) -> dict[str, dict[str, Any]]:
        """worker -> its last report for ``reload_id``."""
        raise NotImplementedError

    def wait(self, seconds: float) -> None:
        """Sleep until the next poll (or until stopped)."""
        self._stop.wait(seconds)

    def close(self) -> None:
        """Release connections (backends that hold any)."""

    # -- listening -----------------------------------------------------------------------------

    def safe_latest(self) -> Published | None:
        """The latest publication, or None when the backend cannot be read (logged)."""
        try:
            return self.latest()
        except Exception as exc:  # an outage of the backend must never stop a worker
            log.warning("reload broadcast (%s): cannot read the latest reload: %s", self.name, exc)
            return None

    def listen(self, on_reload: Callable[[Published], None], *, seen: str | None = None) -> None:
        """Call ``on_reload`` (from a daemon thread) for each new publication after ``seen``,
        the id this worker already serves (read it before loading the knowledge)."""
        if self._thread is not None:
            raise RuntimeError("this broadcast already has a listener")
        self._thread = threading.Thread(target=self._listen, args=(on_reload, seen), name="helpbot-broadcast",
                                        daemon=True)
        self._thread.start()

    def _listen(self, on_reload: Callable[[Published], None], seen: str | None) -> None:
        while not self._stop.is_set():
            latest = self.safe_latest()
            if latest is not None and latest.reload_id != seen:
                seen = latest.reload_id
                try:
                    on_reload(latest)
                except Exception:  # a bug in the callback: log it, keep listening
                    log.exception("reload broadcast: the reload callback failed")
            self.wait(self.poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.close()


class LocalBroadcast(Broadcast):
    """One process, nothing shared (tests, or a store given in code): kept in memory."""

    name = "local"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._lock = threading.Lock()
        self._latest: Published | None = None
        self._reports: dict[str, dict[str, dict[str, Any]]] = {}

    def publish(self, reload_id: str) -> Published:
        with self._lock:
            version = (self._latest.version if self._latest else 0) + 1
            self._latest = Published(version, reload_id, time.time())
            return self._latest

    def latest(self) -> Published | None:
        with self._lock:
            return self._latest

    def report(self, reload_id: str, worker: str, status: Mapping[str, Any]) -> None:
        with self._lock:
            self._reports.setdefault(reload_id, {})[worker] = dict(status)

    def reports(self, reload_id: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {worker: dict(report) for worker, report in self._reports.get(reload_id, {}).items()}


@contextmanager
def host_build_lock() -> Iterator[None]:
    """One build at a time on this host (a lock file in the index cache folder); without a
    writable cache folder, no lock (each worker builds, as before)."""
    folder = cache.default_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "build.lock", "a+")  # noqa: SIM115  (closed below)
    except OSError as exc:
        log.warning("no build lock (%s): workers of this host may build the same index at once", exc)
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock
