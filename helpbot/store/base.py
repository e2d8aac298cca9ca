"""The Store interface: feedback, hand-offs and the content-gap log in; a report out.

Failures: every method raises :class:`StoreError` (and only that) when the database is
locked, read-only, full or missing, so callers decide: answering goes on, feedback says 503.
A write either commits before the method returns or raises: a caller that acknowledges only
after a method returned never acknowledges a row that is not stored.

So that password secrecy holds with several worker processes (each with its own
conversations), the app notes in the store when it asked a session for a password
(:meth:`Store.expect_secret`), and whichever worker gets the next message checks it
(:meth:`Store.secret_expected`) before storing anything of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import Any

from helpbot.errors import HelpbotError

GAP_CONFIDENCE = 0.5  # below this an answer counts as a content gap too
SECRET_PROMPT_TTL = 1800.0  # seconds a "type the password" prompt counts (the sessions' own TTL)


class StoreError(HelpbotError):
    """The store could not read or write; the message says why (never with user text)."""


def is_gap(kind: str, confidence: float) -> bool:
    """Whether a reply goes to the content-gap log: a fallback, a clarify, or unsure."""
    return kind in ("fallback", "clarify") or confidence < GAP_CONFIDENCE


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store(ABC):
    """Feedback, hand-offs and content gaps in; a report out."""

    @abstractmethod
    def record_feedback(self, session_id: str, entry_id: str, helpful: bool, comment: str | None = None) -> None:
        """Save one helpful / not helpful vote on an entry's answer."""

    @abstractmethod
    def record_handoff(self, session_id: str, question: str | None = None) -> None:
        """Save that a visitor asked for a LiveChat agent."""

    @abstractmethod
    def record_gap(self, question: str, kind: str, confidence: float, *, entry_id: str | None = None,
                   session_id: str | None = None, tool: str | None = None) -> None:
        """Save a question the bot could not answer well (see :func:`is_gap`)."""

    @abstractmethod
    def report(self, limit: int = 10) -> dict[str, Any]:
        """Top unanswered question groups, per-entry helpful rates and the hand-off count."""

    def expect_secret(self, session_id: str) -> None:
        """Note that this session was just asked to type a password (for other workers)."""

    def secret_expected(self, session_id: str) -> bool:
        """Whether this session's message answers a password prompt; consumes the note."""
        return False
