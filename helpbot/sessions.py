"""Bounded, expiring conversation state, so follow-ups ("the second one", "and in EUR?") work.

At most ``max_sessions`` live at once (least recently used dropped first) and each expires
``ttl`` seconds after its last use, so memory stays flat however many visitors come.
A password typed into the checker is never kept here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helpbot.models import Suggestion


@dataclass
class Session:
    """One conversation's state. Never holds a password (helpbot.forms drops it)."""

    suggestions: list[Suggestion] = field(default_factory=list)  # the articles last offered
    pending_tool: str | None = None      # a tool waiting for more figures
    tool_params: dict[str, Any] = field(default_factory=dict)
    offered_tool: str | None = None      # offered under the last answer
    offer_params: dict[str, Any] = field(default_factory=dict)  # what that question already said
    last_tool: str | None = None         # the last calculation, for "and in EUR?"
    last_params: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    def __init__(
        self, *, max_sessions: int = 10_000, ttl: float = 1800.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_sessions = max_sessions
        self.ttl = ttl
        self.clock = clock
        self._sessions: OrderedDict[str, tuple[float, Session]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> Session:
        """The live session of that id, or a fresh one (which is then kept)."""
        now = self.clock()
        with self._lock:
            self._expire(now)
            found = self._sessions.pop(session_id, None)
            session = found[1] if found else Session()
            self._sessions[session_id] = (now, session)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return session

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
