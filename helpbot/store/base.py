"""The Store interface: feedback, hand-offs, the hand-off queue and the content-gap log in; a report out.

Failures: every method raises :class:`StoreError` (and only that, or one of its children) when
the database is locked, read-only, full, missing or down, so callers decide: answering goes on,
feedback says 503. A write either commits before the method returns or raises: a caller that
acknowledges only after a method returned never acknowledges a row that is not stored.
Children to catch before ``StoreError``: :class:`StoreQuotaError` (429: the client's rows for
today are used up), ``HandoffConflict`` (409) and ``HandoffNotFound`` (404).

Writes take an optional ``client`` key (derived from the visitor's address by the web layer):
a store made with ``daily_rows_per_client`` counts that client's new rows per UTC day in the
database itself, so the cap holds across workers and hosts. Votes, hand-offs and hand-off
messages beyond it raise StoreQuotaError; content-gap rows beyond it are silently not logged.

So that password secrecy holds with several worker processes (each with its own
conversations), the app notes in the store when it asked a session for a password
(:meth:`Store.expect_secret`), and whichever worker gets the next message checks it
(:meth:`Store.secret_expected`) before storing anything of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from helpbot.store.errors import HandoffConflict, HandoffNotFound, StoreError, StoreQuotaError
from helpbot.store.handoffs import Handoff, HandoffMessage

GAP_CONFIDENCE = 0.5  # below this an answer counts as a content gap too
SECRET_PROMPT_TTL = 1800.0  # seconds a "type the password" prompt counts (the sessions' own TTL)


__all__ = ["GAP_CONFIDENCE", "SECRET_PROMPT_TTL", "HandoffConflict", "HandoffNotFound", "Store", "StoreError",
           "StoreQuotaError", "is_gap", "mask_url", "now_iso"]


def is_gap(kind: str, confidence: float) -> bool:
    """Whether a reply goes to the content-gap log: a fallback, a clarify, or unsure."""
    return kind in ("fallback", "clarify") or confidence < GAP_CONFIDENCE


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store(ABC):
    """Feedback, hand-offs and content gaps in; a report out."""

    @abstractmethod
    def record_feedback(self, session_id: str, entry_id: str, helpful: bool, comment: str | None = None, *,
                        client: str | None = None) -> None:
        """Save one helpful / not helpful vote on an entry's answer."""

    def record_handoff(self, session_id: str, question: str | None = None, *, client: str | None = None) -> None:
        """Save that a visitor asked for a LiveChat agent: it opens (or keeps) their hand-off."""
        self.open_handoff(session_id, question, (), client=client)

    @abstractmethod
    def record_gap(self, question: str, kind: str, confidence: float, *, entry_id: str | None = None,
                   session_id: str | None = None, tool: str | None = None, client: str | None = None) -> None:
        """Save a question the bot could not answer well (see :func:`is_gap`)."""

    @abstractmethod
    def report(self, limit: int = 10, *, days: int = 0) -> dict[str, Any]:
        """Top unanswered question groups, per-entry helpful rates and the hand-off count; with
        ``days``, also ``"days"``: counts per UTC day for the last ``days`` days, oldest first."""

    @abstractmethod
    def expect_secret(self, session_id: str) -> None:
        """Note that this session was just asked to type a password (for other workers)."""

    @abstractmethod
    def secret_expected(self, session_id: str) -> bool:
        """Whether this session's message answers a password prompt; consumes the note."""

    # -- the hand-off queue ------------------------------------------------------------------

    @abstractmethod
    def open_handoff(self, session_id: str, question: str | None,
                     transcript: Sequence[tuple[str, str]] = (), *, client: str | None = None) -> Handoff:
        """Put the session in the queue; a session already waiting (or claimed) gets that hand-off
        back, unchanged, and no new row (nor quota) is used."""

    @abstractmethod
    def list_handoffs(self, status: str | None = None, limit: int = 50) -> list[Handoff]:
        """Hand-offs, newest first, optionally only those in one status (open, claimed, closed)."""

    @abstractmethod
    def get_handoff(self, handoff_id: int) -> Handoff | None:
        """The hand-off with that id, or None."""

    @abstractmethod
    def handoff_for_session(self, session_id: str) -> Handoff | None:
        """The session's newest hand-off (the live one if it has one), or None."""

    @abstractmethod
    def claim_handoff(self, handoff_id: int, agent: str) -> Handoff:
        """Give the hand-off to ``agent`` (again: a no-op); HandoffConflict when another agent has it
        or it is closed, HandoffNotFound when there is none."""

    @abstractmethod
    def close_handoff(self, handoff_id: int, agent: str) -> Handoff:
        """Close it (already closed: a no-op); HandoffConflict when another agent claimed it."""

    @abstractmethod
    def add_handoff_message(self, handoff_id: int, role: str, text: str, *,
                            client: str | None = None) -> HandoffMessage:
        """Add a message (role buyer, bot or agent); HandoffConflict when the hand-off is closed."""

    @abstractmethod
    def messages_after(self, handoff_id: int, after_id: int = 0, limit: int = 200) -> list[HandoffMessage]:
        """The hand-off's messages with an id above ``after_id``, oldest first (for polling)."""

    # -- what the report's charts and the curator loop learn from (helpbot.store.learning) -------

    @abstractmethod
    def record_outcomes(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Add per-(UTC day, reply kind) counts of answered messages."""

    @abstractmethod
    def outcomes_since(self, day: str) -> list[tuple[str, str, int]]:
        """(day, kind, count) from ``day`` (YYYY-MM-DD) on."""

    @abstractmethod
    def record_signal(self, question: str, entry_id: str, kind: str, *, session_id: str | None = None,
                      client: str | None = None) -> None:
        """A sign that ``question`` meant ``entry_id`` (helpbot.curation.SIGNAL_KINDS)."""

    @abstractmethod
    def signals(self, limit: int = 50_000) -> list[tuple[str, str, str]]:
        """(question, entry_id, kind), newest first."""

    @abstractmethod
    def record_decision(self, key: str, decision: str, *, entry_id: str, question: str, by: str) -> None:
        """A curator accepted or rejected a proposal (its key: helpbot.curation.suggestion_key)."""

    @abstractmethod
    def decisions(self) -> dict[str, str]:
        """Every proposal key decided so far -> accepted | rejected."""

    def close(self) -> None:
        """Let go of connections (a pool); the store opens them again if used after."""

    def describe(self) -> str:
        """Which database this is, safe to print (no password)."""
        return repr(self)


def mask_url(url: str) -> str:
    """``url`` with its password (in the address or a ``password=`` parameter) as ``***``."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an address that could not be read)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}{':***' if colon else ''}@{hosts}"
    query = parts.query
    if "password" in query.lower():
        query = urlencode([(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
