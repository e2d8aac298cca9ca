"""Knowledge reload without downtime: on SIGHUP, or on ``POST /admin/reload``.

A reload builds a complete new Bot from the configured folders (``KNOWLEDGE_DIR``,
``INTENTS_DIR``), then replaces the one reference the views read (``Services.bot``). A
request reads that reference once, the first time it needs the bot
(:func:`helpbot.web.current_bot`), so a request in flight finishes on the Bot it started
with; the old Bot is freed when the last such request ends. A file that does not load
(malformed YAML, a schema error) raises :class:`~helpbot.errors.KnowledgeError`, whose
message names the file and line, before anything is replaced: the old Bot keeps serving.

Conversations survive a reload when every entry of the old knowledge base is still there
(a session's suggestions point at entry ids); when an entry was removed, the new Bot starts
with no sessions rather than risk a follow-up ("the first one") naming a deleted entry (in-process
sessions; shared ones in Redis are kept, and the Bot skips a suggestion naming a removed entry).

Processes: ``helpbot serve`` is one process; under gunicorn each worker has its own Bot.
``kill -HUP <worker pid>`` (or ``pkill -HUP -P <master pid>`` for all of them) reloads in
place; ``POST /admin/reload`` reloads the worker that answers and then sends SIGHUP to its
sibling workers (same master, same command line). ``kill -HUP <master pid>`` is gunicorn's
own graceful restart: it works too, and so does any worker gunicorn starts again (after a
crash or a timeout) while the files on disk are invalid: a worker whose knowledge does not
load starts on the last build that did (:func:`load_bot`, logged as an error) instead of
failing to boot, which would make gunicorn stop the whole server.

A SIGHUP that arrives while the app is still starting (gunicorn resets SIGHUP to "exit"
before it imports the app) is remembered and served once the app is up (:class:`EarlySighup`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpbot.bot import Bot
from helpbot.errors import HelpbotError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    entries: int
    seconds: float
    generation: int
    sessions_kept: bool


class Reloader:
    """Rebuilds the Bot of one app and swaps it in; at most one rebuild at a time."""

    def __init__(self, services: Any, config: Any, load: Callable[..., Bot] | None = None,
                 on_swap: Callable[[], None] | None = None) -> None:
        self.services = services
        self.config = config
        self.load = load or self._load_from_config
        self.on_swap = on_swap
        self.generation = 0
        self.handler_pid: int | None = None  # the process whose SIGHUP handler is ours
        self._build_lock = threading.Lock()      # one build at a time
        self._state_lock = threading.RLock()     # re-entrant: taken from a signal handler too
        self._requested = 0
        self._worker: threading.Thread | None = None

    def _load_from_config(self, **options: Any) -> Bot:
        return Bot.load(self.config.get("KNOWLEDGE_DIR"), self.config.get("INTENTS_DIR"),
                        embeddings=self.config.get("EMBEDDINGS", True), **options)

    def reload(self) -> ReloadResult:
        """Build a new Bot and swap it in; KnowledgeError (old Bot kept) when it cannot load."""
        with self._build_lock:
            started = time.perf_counter()
            old = self.services.bot
            old_sessions = old.sessions
            # Shared (Redis) sessions are never reset by one worker: fresh() is the same store.
            new = self.load(sessions=old_sessions.fresh() if old_sessions is not None else None)
            if set(old.entries) <= set(new.entries):
                new.sessions = old_sessions  # every id a session can name still exists
            kept = new.sessions is old_sessions
            self.services.bot = new  # the swap: one reference, read once per request
            self.generation += 1
            if self.on_swap is not None:
                self.on_swap()
            seconds = time.perf_counter() - started
        log.info("knowledge reloaded: %d entries in %.2f s (generation %d, sessions %s)",
                 len(new.entries), seconds, self.generation, "kept" if kept else "reset")
        return ReloadResult(len(new.entries), seconds, self.generation, kept)

    # -- in the background, for signals --------------------------------------------------------

    def request_reload(self, reason: str = "request") -> None:
        """Reload soon, in a background thread; requests made during a rebuild coalesce
        into one more rebuild after it (so a file saved meanwhile is picked up)."""
        with self._state_lock:
            self._requested += 1
            if self._worker is not None:  # running: it sees the new request before it ends
                return
            self._worker = threading.Thread(target=self._drain, args=(reason,), name="helpbot-reload",
                                            daemon=True)
            self._worker.start()

    def _drain(self, reason: str) -> None:
        while True:
            with self._state_lock:
                if self._requested == 0:
                    self._worker = None
                    return
                self._requested = 0
            try:
                self.reload()
            except Exception as exc:  # the old Bot keeps serving; say why in the log
                if isinstance(exc, (HelpbotError, OSError)):
                    log.error("knowledge reload (%s) failed, still serving the previous knowledge: %s",
                              reason, exc)
                else:
                    log.exception("knowledge reload (%s) failed, still serving the previous knowledge", reason)

    @property
    def running(self) -> bool:
        """Whether a background reload is under way (what a status request reports)."""
        with self._state_lock:
            return self._worker is not None

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

    def signal_siblings(self) -> int:
        """Under gunicorn: SIGHUP to the other workers of our master, so every worker
        reloads. Only when this process runs our handler (not with --preload, where the
        workers' SIGHUP would be gunicorn's default: exit); returns how many were signalled."""
        if self.handler_pid != os.getpid():
            return 0
        count = 0
        for pid in sibling_processes():
            try:
                os.kill(pid, signal.SIGHUP)
                count += 1
            except OSError as exc:
                log.warning("could not signal worker %d: %s", pid, exc)
        return count


def sibling_processes(proc: Path = Path("/proc")) -> list[int]:
    """Processes with our parent and our command line (gunicorn's other workers), from /proc."""
    me, parent = os.getpid(), os.getppid()
    try:
        own = (proc / str(me) / "cmdline").read_bytes()
    except OSError:
        return []
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in () may hold spaces
            if ppid == parent and (entry / "cmdline").read_bytes() == own:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
    return sorted(found)


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
