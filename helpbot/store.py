"""Where feedback, hand-offs and the content-gap log go, and the report made from them.

``Store`` is the small interface the web app uses; ``SqliteStore`` implements it with the
standard library (one connection per call, WAL mode, a busy timeout), so several Flask
threads and gunicorn workers can share one file. The SQL is plain on purpose: a
PostgreSQL backend only has to implement the same four methods.

Privacy: every question or comment passes through :func:`clean_text` first, which blanks
password-looking tokens; a message that went to the password checker is never stored at
all ("[password check]" is stored in its place). So that this holds with several worker
processes (each with its own conversations), the app notes in the store when it asked a
session for a password (:meth:`Store.expect_secret`), and whichever worker gets the next
message checks it (:meth:`Store.secret_expected`) before storing anything of it.

Failures: every method raises :class:`StoreError` (and only that) when the database is
locked, read-only, full or missing, so callers decide: answering goes on, feedback says 503.
A write either commits before the method returns or raises: a caller that acknowledges only
after a method returned never acknowledges a row that is not in the file. A database file
deleted while the app runs is made again (tables included) by the next call.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz import fuzz, process, utils

from helpbot.errors import HelpbotError

log = logging.getLogger(__name__)
T = TypeVar("T")

PASSWORD_PLACEHOLDER = "[password check]"
REDACTED = "[redacted]"
GAP_CONFIDENCE = 0.5  # below this an answer counts as a content gap too
GROUP_SIMILARITY = 85  # rapidfuzz token_set_ratio at or above which two questions group
MAX_TEXT_CHARS = 2000
MAX_GROUPED_QUESTIONS = 5000  # distinct gap questions the report reads (grouping is quadratic)
SECRET_PROMPT_TTL = 1800.0  # seconds a "type the password" prompt counts (the sessions' own TTL)

_PASSWORD_PHRASE = re.compile(r"(?i)\b(pass\s?word|passwd|pwd)(\s*(?:is|was|=|:)\s*)(\S+)")
_STRONG_PUNCT = frozenset("!#*@^~`|\\<>[]{};=_")
_TRAILING = "\"'.,;:!?)]}>"
_LEADING = "\"'([{<"
# Tokens that mix letters and digits but are not secrets: amounts with units ("5000pcs"),
# codes with a short prefix ("ORD12345", "US$500"), ordinals ("3rd"), dates and times.
_HARMLESS = re.compile(
    r"(?i)(?:[a-z]{0,4}[$€£¥]?\d[\d,.]*(?:[a-z]{1,5})?|\d+(?:st|nd|rd|th)|\d[\d:/.\-]*(?:am|pm)?)"
)


class StoreError(HelpbotError):
    """The store could not read or write; the message says why (never with user text)."""


def is_gap(kind: str, confidence: float) -> bool:
    """Whether a reply goes to the content-gap log: a fallback, a clarify, or unsure."""
    return kind in ("fallback", "clarify") or confidence < GAP_CONFIDENCE


def _secret_looking(token: str) -> bool:
    core = token.strip(_LEADING).rstrip(_TRAILING)
    if len(token) < 6 or "://" in core:
        return False
    has_letter = any(c.isalpha() for c in core)
    has_digit = any(c.isdigit() for c in core)
    if any(c in _STRONG_PUNCT for c in core) and (has_letter or has_digit):
        return True
    return has_letter and has_digit and not _HARMLESS.fullmatch(core)


def storable(text: str) -> str:
    """``text`` as valid UTF-8: an unpaired surrogate (JSON allows "\\ud800") becomes U+FFFD,
    which SQLite can store; nothing else changes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def clean_text(text: str | None, *, tool: str | None = None) -> str | None:
    """The text safe to store: none for a password check, password-looking tokens blanked."""
    if text is None:
        return None
    if tool == "password_check":
        return PASSWORD_PLACEHOLDER
    text = _PASSWORD_PHRASE.sub(lambda m: m.group(1) + m.group(2) + REDACTED, storable(str(text)))
    tokens = re.split(r"(\s+)", text)
    cleaned = "".join(REDACTED if _secret_looking(t) and REDACTED not in t else t for t in tokens)
    return cleaned[:MAX_TEXT_CHARS]


def _now() -> str:
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


SCHEMA = (
    """CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session_id TEXT NOT NULL,
        entry_id TEXT NOT NULL, helpful INTEGER NOT NULL, comment TEXT)""",
    """CREATE TABLE IF NOT EXISTS handoffs (
        id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session_id TEXT NOT NULL, question TEXT)""",
    """CREATE TABLE IF NOT EXISTS gaps (
        id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session_id TEXT, question TEXT NOT NULL,
        kind TEXT NOT NULL, confidence REAL NOT NULL, entry_id TEXT)""",
    # Sessions that were asked to type a password, until their next message (never the password).
    """CREATE TABLE IF NOT EXISTS secret_prompts (session_id TEXT PRIMARY KEY, until REAL NOT NULL)""",
)


class SqliteStore(Store):
    """A Store in one SQLite file. Safe across threads and processes: a connection per call."""

    def __init__(self, path: str | Path, *, timeout: float = 2.0) -> None:
        # Nothing is opened here: a bad path must not stop the app from starting.
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def _open(self) -> sqlite3.Connection:
        """One new connection (tests override this to simulate a read-only or full disk)."""
        return sqlite3.connect(self.path, timeout=self.timeout)

    @contextmanager
    def _connect(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction (committed on success); sqlite errors -> StoreError.

        ``durable`` writes (feedback, hand-offs: acknowledged to the visitor) are synced to disk
        at commit. The content-gap log and the password-prompt notes are analytics and guards
        that no one is told were saved: they commit without a sync (SQLite's WAL keeps them
        through a crash of the server, not of the machine), which took the fsync off the hot
        path of every low-confidence answer: ~2,300 against ~1,000 requests/s under load.
        """
        try:
            self._ensure_schema()
            with closing(self._open()) as conn:
                conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
                conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
                with conn:
                    yield conn
        except sqlite3.Error as exc:
            if "no such table" in str(exc):
                self._ready = False  # the file was replaced or deleted: make the tables again next time
            raise StoreError(f"database {self.path} unavailable: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"database {self.path} unavailable: {exc.strerror or exc}") from exc
        except UnicodeError as exc:  # text that is not UTF-8 (storable() should have caught it)
            raise StoreError(f"database {self.path}: text not storable ({type(exc).__name__})") from exc

    def _run(self, action: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """``action(conn)`` in one transaction, committed before returning. When the tables
        are gone (the file was deleted or replaced under us) they are made again and the
        action is run once more, so a deleted database costs no write."""
        try:
            with self._connect(durable=durable) as conn:
                return action(conn)
        except StoreError as exc:
            if "no such table" not in str(exc):
                raise
            log.warning("%s: tables missing (file deleted or replaced?); making them again", self.path)
            with self._connect(durable=durable) as conn:
                return action(conn)

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._open()) as conn:
                # WAL lets readers (the report) run while workers write; it is kept in the file.
                conn.execute("PRAGMA journal_mode = WAL")
                with conn:
                    for statement in SCHEMA:
                        conn.execute(statement)
            self._ready = True

    def _insert(self, sql: str, values: tuple[Any, ...], *, durable: bool = True) -> None:
        self._run(lambda conn: conn.execute(sql, values), durable=durable)

    def record_feedback(self, session_id: str, entry_id: str, helpful: bool, comment: str | None = None) -> None:
        self._insert(
            "INSERT INTO feedback (created_at, session_id, entry_id, helpful, comment) VALUES (?, ?, ?, ?, ?)",
            (_now(), storable(session_id), storable(entry_id), int(bool(helpful)), clean_text(comment)),
        )

    def record_handoff(self, session_id: str, question: str | None = None) -> None:
        self._insert(
            "INSERT INTO handoffs (created_at, session_id, question) VALUES (?, ?, ?)",
            (_now(), storable(session_id), clean_text(question)),
        )

    def record_gap(self, question: str, kind: str, confidence: float, *, entry_id: str | None = None,
                   session_id: str | None = None, tool: str | None = None) -> None:
        self._insert(
            "INSERT INTO gaps (created_at, session_id, question, kind, confidence, entry_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (_now(), None if session_id is None else storable(session_id),
             clean_text(question, tool=tool) or "", kind, float(confidence),
             None if entry_id is None else storable(entry_id)),
            durable=False,
        )

    def expect_secret(self, session_id: str) -> None:
        now = time.time()

        def note(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM secret_prompts WHERE until < ?", (now,))  # keeps the table small
            conn.execute("INSERT OR REPLACE INTO secret_prompts (session_id, until) VALUES (?, ?)",
                         (storable(session_id), now + SECRET_PROMPT_TTL))

        self._run(note, durable=False)

    def secret_expected(self, session_id: str) -> bool:
        def take(conn: sqlite3.Connection) -> bool:
            found = conn.execute("DELETE FROM secret_prompts WHERE session_id = ? AND until >= ? RETURNING 1",
                                 (storable(session_id), time.time())).fetchone()
            return found is not None

        return self._run(take, durable=False)

    def report(self, limit: int = 10) -> dict[str, Any]:
        def read(conn: sqlite3.Connection) -> tuple[list[Any], int, list[Any], int]:
            gap_rows = conn.execute(
                "SELECT question, COUNT(*), MAX(created_at) FROM gaps GROUP BY question "
                "ORDER BY COUNT(*) DESC, MAX(created_at) DESC LIMIT ?", (MAX_GROUPED_QUESTIONS,)
            ).fetchall()
            gaps_total = conn.execute("SELECT COUNT(*) FROM gaps").fetchone()[0]
            vote_rows = conn.execute(
                "SELECT entry_id, SUM(helpful), COUNT(*) FROM feedback GROUP BY entry_id"
            ).fetchall()
            handoffs = conn.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0]
            return gap_rows, gaps_total, vote_rows, handoffs

        gap_rows, gaps_total, vote_rows, handoffs = self._run(read)
        entries = [
            {"entry_id": entry_id, "helpful": int(yes), "not_helpful": int(total - yes), "total": int(total),
             "helpful_rate": round(yes / total, 4)}
            for entry_id, yes, total in vote_rows
        ]
        entries.sort(key=lambda e: (e["helpful_rate"], -e["total"], e["entry_id"]))  # worst first
        return {
            "unanswered": group_questions(gap_rows)[:limit],
            "entries": entries,
            "handoffs": int(handoffs),
            "feedback_total": sum(e["total"] for e in entries),
            "gaps_total": int(gaps_total),
        }


def group_questions(rows: list[tuple[str, int, str]]) -> list[dict[str, Any]]:
    """Group (question, count, last_seen) rows, most frequent first, by token_set_ratio.

    Greedy: each question joins the first group whose representative (its most frequent
    question) is similar enough, else starts a group. Groups come out by total count.
    """
    groups: list[dict[str, Any]] = []
    representatives: list[str] = []
    for question, count, last_seen in rows:
        match = process.extractOne(
            question, representatives, scorer=fuzz.token_set_ratio,
            processor=utils.default_process, score_cutoff=GROUP_SIMILARITY,
        ) if representatives else None
        if match is None:
            representatives.append(question)
            groups.append({"question": question, "count": 0, "examples": [], "last_seen": last_seen})
            group = groups[-1]
        else:
            group = groups[match[2]]
        group["count"] += int(count)
        group["last_seen"] = max(group["last_seen"], last_seen)
        if question != group["question"] and len(group["examples"]) < 5:
            group["examples"].append(question)
    groups.sort(key=lambda g: -g["count"])  # stable: ties keep first-seen order
    return groups


def format_report(store: Store, limit: int = 10) -> str:
    """The report as plain text, for ``helpbot report``."""
    data = store.report(limit=limit)
    lines = ["Helpbot report", "==============", "",
             f"Hand-offs to a LiveChat agent: {data['handoffs']}",
             f"Feedback votes: {data['feedback_total']} on {len(data['entries'])} entries",
             f"Content-gap questions logged: {data['gaps_total']}", "",
             "Top unanswered questions (similar ones grouped):"]
    if not data["unanswered"]:
        lines.append("  (none yet)")
    for n, group in enumerate(data["unanswered"], 1):
        lines.append(f"  {n:>2}. [{group['count']}x] {group['question']}")
        for example in group["examples"]:
            lines.append(f"        also: {example}")
    lines += ["", "Helpful rate by entry (worst first):"]
    if not data["entries"]:
        lines.append("  (no feedback yet)")
    width = max((len(e["entry_id"]) for e in data["entries"]), default=0)
    for entry in data["entries"]:
        lines.append(f"  {entry['entry_id']:<{width}}  {entry['helpful']}/{entry['total']} helpful "
                     f"({entry['helpful_rate']:.0%})")
    return "\n".join(lines) + "\n"
