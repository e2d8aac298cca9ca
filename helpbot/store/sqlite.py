"""``SqliteStore``: the embedded default Store, in one SQLite file.

It uses the standard library (one connection per call, WAL mode, a busy timeout), so several
Flask threads and gunicorn workers can share one file. A database file deleted while the app
runs is made again (tables included) by the next call.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from helpbot.store.base import SECRET_PROMPT_TTL, Store, StoreError, now_iso
from helpbot.store.redaction import clean_text, storable
from helpbot.store.report import MAX_GROUPED_QUESTIONS, group_questions

log = logging.getLogger(__name__)
T = TypeVar("T")


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
            (now_iso(), storable(session_id), storable(entry_id), int(bool(helpful)), clean_text(comment)),
        )

    def record_handoff(self, session_id: str, question: str | None = None) -> None:
        self._insert(
            "INSERT INTO handoffs (created_at, session_id, question) VALUES (?, ?, ?)",
            (now_iso(), storable(session_id), clean_text(question)),
        )

    def record_gap(self, question: str, kind: str, confidence: float, *, entry_id: str | None = None,
                   session_id: str | None = None, tool: str | None = None) -> None:
        self._insert(
            "INSERT INTO gaps (created_at, session_id, question, kind, confidence, entry_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), None if session_id is None else storable(session_id),
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
