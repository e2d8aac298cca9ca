"""The SessionStore interface and its in-process backend.

A conversation is loaded at the start of a message and saved at its end (helpbot.bot), so a
backend only stores whole sessions by id. Both backends keep the same encoded JSON
(helpbot.sessions.codec), so they behave alike: what was not saved is not kept.

Concurrency: two messages of one session answered at the same moment (two workers, or two
threads) each load the same state and the later save wins; the other message's change to the
state is lost. Accepted: one visitor does not type two messages at once, and the worst case is a
follow-up that no longer knows the earlier turn.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable

from helpbot.errors import HelpbotError
from helpbot.sessions import codec
from helpbot.sessions.state import Session

DEFAULT_TTL = 1800.0  # seconds a conversation lives after its last message


class SessionsUnavailable(HelpbotError):
    """The session backend cannot answer now (asked for with ``load(..., strict=True)``)."""


class SessionStore(ABC):
    """Conversations by session id: :meth:`load` at the start of a message, :meth:`save` at its end."""

    ttl: float

    @abstractmethod
    def load(self, session_id: str, *, strict: bool = False) -> Session:
        """The saved session of that id, or a fresh one (unknown or expired). When the backend is
        down: a fresh one too, or, with ``strict`` (a check that must not guess, such as which
        entries a vote may name), :class:`SessionsUnavailable`."""

    @abstractmethod
    def save(self, session_id: str, session: Session) -> None:
        """Keep the session for ``ttl`` more seconds. Never raises for an unavailable backend."""

    def fresh(self) -> SessionStore:
        """A store for a knowledge reload that removed entries: an empty one where that is
        possible (in-process), this one where sessions are shared with other workers (their
        suggestions that name a removed entry are then skipped by the Bot)."""
        return self


class MemorySessionStore(SessionStore):
    """Sessions in this process: at most ``max_sessions`` (least recently used dropped first),
    each expiring ``ttl`` seconds after its last save, so memory stays flat however many
    visitors come. For one process; with several workers use Redis (RedisSessionStore)."""

    def __init__(self, *, max_sessions: int = 10_000, ttl: float = DEFAULT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_sessions = max_sessions
        self.ttl = ttl
        self.clock = clock
        self._sessions: OrderedDict[str, tuple[float, str]] = OrderedDict()  # id -> (last saved, JSON)
        self._lock = threading.Lock()

    def load(self, session_id: str, *, strict: bool = False) -> Session:
        with self._lock:
            self._expire(self.clock())
            found = self._sessions.get(session_id)
        return codec.decode(found[1]) if found else Session()

    def save(self, session_id: str, session: Session) -> None:
        text = codec.encode(session)
        now = self.clock()
        with self._lock:
            self._expire(now)
            self._sessions.pop(session_id, None)
            self._sessions[session_id] = (now, text)  # last: the dict stays least recently used first
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)

    def fresh(self) -> MemorySessionStore:
        return MemorySessionStore(max_sessions=self.max_sessions, ttl=self.ttl, clock=self.clock)

    def _expire(self, now: float) -> None:
        # Oldest first: stop at the first session still fresh.
        while self._sessions:
            last_used, _ = next(iter(self._sessions.values()))
            if now - last_used <= self.ttl:
                break
            self._sessions.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self.clock())
            return len(self._sessions)
