"""Knowledge reload without downtime, built in the background: on ``POST /admin/reload``, a
reload published to the fleet (:mod:`helpbot.broadcast`), or SIGHUP.

A reload builds a complete new Bot from ``KNOWLEDGE_DIR`` and ``INTENTS_DIR`` in a background
thread, then replaces the one reference the views read (``Services.bot``); a request reads it
once (:func:`helpbot.web.current_bot`), so no answer comes from a half-built index or mixes two.
A file that does not load fails the build with a KnowledgeError naming the file and line, and
the old Bot keeps serving. Conversations are kept when every old entry is still there (a
session's suggestions name entry ids), else the new Bot starts with no sessions.

Conversations survive a reload when every entry of the old knowledge base is still there
(a session's suggestions point at entry ids); when an entry was removed, the new Bot starts
with no sessions rather than risk a follow-up ("the first one") naming a deleted entry (in-process
sessions; shared ones in Redis are kept, and the Bot skips a suggestion naming a removed entry).

Each reload has an id and a :class:`ReloadStatus` per worker, reported to the broadcast backend
so ``GET /admin/reload/<id>`` on any worker shows the fleet. A published reload reaches every
worker on every host (:meth:`Reloader.on_published`), which waits a random delay of up to
``jitter`` seconds so they do not all rebuild at once; the builds of one host take turns on a
lock file in the index cache folder, so the first builds and caches the index and the others
load it in tens of milliseconds.

``kill -HUP <worker pid>`` reloads that worker; under :mod:`helpbot.web.gunicorn_conf`,
``kill -HUP <master pid>`` reloads every worker of that host in place instead of restarting them.
A worker whose files do not load at start comes up on the last build that did (``fall_back``)
rather than fail to boot; a SIGHUP during start-up is served once it is up (:class:`EarlySighup`).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from helpbot.bot import Bot
from helpbot.broadcast import Broadcast, LocalBroadcast, Published, host_build_lock
from helpbot.errors import HelpbotError
from helpbot.index import index_key, resolve_folders
from helpbot.intents import load_intents
from helpbot.knowledge import load_knowledge
from helpbot.sessions import SessionStore

log = logging.getLogger(__name__)

KEEP_STATUSES = 20  # reloads whose status a worker remembers
# Seconds: the most a published reload waits on a worker before it builds (config RELOAD_JITTER).
DEFAULT_RELOAD_JITTER = 3.0


@dataclass(frozen=True)
class ReloadResult:
    entries: int
    seconds: float
    generation: int
    sessions_kept: bool
    fingerprint: str | None = None


@dataclass(frozen=True)
class ReloadStatus:
    """One reload as one worker saw it. ``state``: building (queued or under way), done, failed."""

    id: str
    state: str
    reason: str
    worker: str
    requested_at: float
    started_at: float | None = None
    finished_at: float | None = None
    entries: int | None = None
    fingerprint: str | None = None
    generation: int | None = None
    sessions_kept: bool | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def worker_name() -> str:
    """How a worker is named in the fleet's status: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Reloader:
    """Rebuilds the Bot of one app in the background and swaps it in; one build at a time."""

    def __init__(self, services: Any, config: Any, load: Callable[..., Bot] | None = None,
                 on_swap: Callable[[], None] | None = None, broadcast: Broadcast | None = None,
                 jitter: float = 0.0, name: str | None = None) -> None:
        self.services = services
        self.config = config
        self.load = load or self._load_from_config
        self.on_swap = on_swap
        self.broadcast = broadcast if broadcast is not None else LocalBroadcast()
        self.jitter = jitter  # seconds: the most a published reload waits before building here
        self.name = name  # in the fleet's status; default host:pid (worker_name)
        self.generation = 0
        self.fingerprint = self._fingerprint()  # of the files the serving Bot was built from
        self.handler_pid: int | None = None  # the process whose SIGHUP handler is ours
        self._build_lock = threading.Lock()      # one build at a time
        self._state_lock = threading.RLock()     # re-entrant: taken from a signal handler too
        self._pending: list[str] = []            # ids waiting for the next build
        self._statuses: OrderedDict[str, ReloadStatus] = OrderedDict()
        self._worker: threading.Thread | None = None

    def _fingerprint(self) -> str | None:
        try:
            sources = resolve_folders(self.config.get("KNOWLEDGE_DIR"), self.config.get("INTENTS_DIR"))
            return index_key(sources, embeddings=self.config.get("EMBEDDINGS", True))
        except (HelpbotError, OSError):
            return None

    def _load_from_config(self, **options: Any) -> Bot:
        with host_build_lock():  # a sibling that built first leaves the index in the cache
            return Bot.load(self.config.get("KNOWLEDGE_DIR"), self.config.get("INTENTS_DIR"),
                            embeddings=self.config.get("EMBEDDINGS", True), **options)

    def check(self) -> None:
        """Read and validate the files (milliseconds, no index build): KnowledgeError naming the
        file and line when they do not load, so a request can refuse at once (422)."""
        sources = resolve_folders(self.config.get("KNOWLEDGE_DIR"), self.config.get("INTENTS_DIR"))
        load_knowledge(sources.knowledge)
        load_intents(sources.intents, general_only=sources.general_intents)

    def reload(self) -> ReloadResult:
        """Build a new Bot and swap it in, here and now; KnowledgeError (old Bot kept) when it cannot load."""
        with self._build_lock:
            started = time.perf_counter()
            fingerprint = self._fingerprint()
            old = self.services.bot
            old_sessions = old.sessions
            # Shared (Redis) sessions are never reset by one worker: fresh() is the same store.
            new = self.load(sessions=old_sessions.fresh() if old_sessions is not None else None)
            if set(old.entries) <= set(new.entries):
                new.sessions = old_sessions  # every id a session can name still exists
            kept = new.sessions is old_sessions
            self.services.bot = new  # the swap: one reference, read once per request
            self.generation += 1
            self.fingerprint = fingerprint
            if self.on_swap is not None:
                self.on_swap()
            seconds = time.perf_counter() - started
        log.info("knowledge reloaded: %d entries in %.2f s (generation %d, sessions %s)",
                 len(new.entries), seconds, self.generation, "kept" if kept else "reset")
        return ReloadResult(len(new.entries), seconds, self.generation, kept, fingerprint)

    # -- in the background ---------------------------------------------------------------------

    def start(self, reason: str, reload_id: str | None = None, *, delay: float = 0.0) -> ReloadStatus:
        """Queue a reload (after ``delay`` seconds) and return its status at once. Requests made
        during a rebuild coalesce into one more rebuild after it (a file saved meanwhile is
        picked up), and every id queued meanwhile gets that build's outcome."""
        status = ReloadStatus(reload_id or uuid.uuid4().hex[:16], "building", reason, self.name or worker_name(),
                              time.time())
        self._record(status)
        if delay > 0:
            timer = threading.Timer(delay, self._queue, args=(status.id,))
            timer.daemon = True
            timer.start()
        else:
            self._queue(status.id)
        return status

    def request_reload(self, reason: str = "request") -> None:
        """Reload soon, in the background (what a signal handler calls)."""
        self.start(reason)

    def publish(self, reason: str) -> tuple[ReloadStatus, Published | None]:
        """Start a reload here and publish it to every other worker; the publication is None
        (logged) when the broadcast backend is down, and this worker still reloads."""
        status = self.start(reason)
        try:
            return status, self.broadcast.publish(status.id)
        except Exception as exc:  # noqa: BLE001  (a backend outage must not fail the reload here)
            log.error("reload %s started on this worker only: publishing it failed: %s", status.id, exc)
            return status, None

    def on_published(self, published: Published) -> None:
        """A reload published elsewhere (or by us: then it is already under way)."""
        with self._state_lock:
            if published.reload_id in self._statuses:
                return
        self.start("published", published.reload_id, delay=random.uniform(0.0, self.jitter))

    def _queue(self, reload_id: str) -> None:
        with self._state_lock:
            self._pending.append(reload_id)
            if self._worker is not None:  # running: it sees the new request before it ends
                return
            self._worker = threading.Thread(target=self._drain, name="helpbot-reload", daemon=True)
            self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._state_lock:
                if not self._pending:
                    self._worker = None
                    return
                ids, self._pending = self._pending, []
            started = time.time()
            for reload_id in ids:
                self._update(reload_id, started_at=started)
            try:
                result = self.reload()
            except Exception as exc:  # the old Bot keeps serving; say why in the log and the status
                if isinstance(exc, (HelpbotError, OSError)):
                    log.error("knowledge reload %s failed, still serving the previous knowledge: %s",
                              ",".join(ids), exc)
                else:
                    log.exception("knowledge reload %s failed, still serving the previous knowledge", ",".join(ids))
                outcome = {"state": "failed", "error": f"{exc} (the previous knowledge is still serving)"}
            else:
                outcome = {"state": "done", "entries": result.entries, "fingerprint": result.fingerprint,
                           "generation": result.generation, "sessions_kept": result.sessions_kept}
            for reload_id in ids:
                self._update(reload_id, finished_at=time.time(), **outcome)

    # -- status --------------------------------------------------------------------------------

    def _record(self, status: ReloadStatus) -> None:
        with self._state_lock:
            self._statuses[status.id] = status
            self._statuses.move_to_end(status.id)
            while len(self._statuses) > KEEP_STATUSES:
                self._statuses.popitem(last=False)
        try:
            self.broadcast.report(status.id, status.worker, status.to_dict())
        except Exception as exc:  # noqa: BLE001  (the fleet view is best-effort; this worker's is kept)
            log.warning("could not report reload %s to the broadcast backend: %s", status.id, exc)

    def _update(self, reload_id: str, **changes: Any) -> None:
        with self._state_lock:
            current = self._statuses.get(reload_id)
        if current is not None:
            self._record(replace(current, **changes))

    def status(self, reload_id: str | None = None) -> ReloadStatus | None:
        """This worker's status of one reload (default: the latest), or None."""
        with self._state_lock:
            if reload_id is None:
                return next(reversed(self._statuses.values()), None)
            return self._statuses.get(reload_id)

    @property
    def running(self) -> bool:
        """Whether a background reload is under way or queued here."""
        with self._state_lock:
            return self._worker is not None or any(s.state == "building" for s in self._statuses.values())

    def install_signal_handler(self) -> bool:
        """Reload on SIGHUP in this process. Only the main thread can set a handler, and
        only where SIGHUP exists; returns whether it was installed."""
        if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
            return False

        def on_sighup(signum: int, frame: Any) -> None:
            self.request_reload("SIGHUP")

        signal.signal(signal.SIGHUP, on_sighup)
        self.handler_pid = os.getpid()
        return True


# -- start-up ----------------------------------------------------------------------------------------

class EarlySighup:
    """While the app starts: remember a SIGHUP instead of dying of it (gunicorn's workers
    reset SIGHUP to its default, exit, before they import the app)."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None
        self.installed = False

    def install(self) -> EarlySighup:
        if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGHUP, self._remember)
            self.installed = True
        return self

    def _remember(self, signum: int, frame: Any) -> None:
        self.requested = True

    def restore(self) -> None:
        if self.installed:
            signal.signal(signal.SIGHUP, self.previous)
            self.installed = False
