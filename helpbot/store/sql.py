"""``SqlStore``: every Store method written once in SQL both SQLite and PostgreSQL run.

A backend supplies one thing, :meth:`SqlStore._run`: run ``action(tx)`` in one transaction,
committed before it returns, where ``tx.execute(sql, params)`` takes ``?`` placeholders and
returns a cursor; database errors become :class:`StoreError`. Everything else - redaction, the
hand-off rules, the daily row cap, the report queries - lives here, so the backends cannot
drift apart. Rules that must hold across workers are statements, not read-then-write code:
a claim is one conditional UPDATE, "one live hand-off per session" is a unique index, and the
cap is an upsert of a (client, day) counter in the same transaction as the row it counts.
"""

from __future__ import annotations

import hashlib
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

from helpbot.store.base import SECRET_PROMPT_TTL, Store, now_iso
from helpbot.store.errors import HandoffConflict, HandoffNotFound, StoreQuotaError
from helpbot.store.learning import SqlLearning
from helpbot.store.handoffs import (
    HANDOFF_COLUMNS, MESSAGE_COLUMNS, Handoff, HandoffMessage, check_role, check_status, handoff_from_row,
    message_from_row, transcript_json,
)
from helpbot.store.redaction import clean_text, storable
from helpbot.store.report import MAX_GROUPED_QUESTIONS, daily_counts, entry_rates, group_questions

T = TypeVar("T")
MAX_LIST = 500  # most hand-offs or messages one call returns


class Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...


def client_key(client: str) -> str:
    """What the row counter keeps of a client key: a hash, so the table holds no addresses."""
    return hashlib.blake2b(client.encode("utf-8", "replace"), digest_size=12).hexdigest()


def _utc_day(offset: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=offset)).date().isoformat()


class SqlStore(SqlLearning, Store):
    """The Store logic over a backend's ``_run``; ``daily_rows_per_client`` None means no cap."""

    def __init__(self, *, daily_rows_per_client: int | None = None) -> None:
        self.daily_rows_per_client = daily_rows_per_client

    @abstractmethod
    def _run(self, action: Callable[[Tx], T], *, durable: bool = True, read_only: bool = False) -> T:
        """``action(tx)`` in one transaction, committed before returning (see the module doc)."""

    # -- the daily cap ---------------------------------------------------------------------------

    def _count_row(self, tx: Tx, client: str | None) -> bool:
        """Count one new row for ``client`` today; False when that is beyond the cap."""
        if client is None or self.daily_rows_per_client is None:
            return True
        today = _utc_day()
        added = tx.execute(
            "INSERT INTO client_rows (client, day, added) VALUES (?, ?, 1) ON CONFLICT (client, day) "
            "DO UPDATE SET added = client_rows.added + 1 RETURNING added", (client_key(client), today),
        ).fetchone()[0]
        if added == 1:  # the client's first row today: drop the counters of days before yesterday
            tx.execute("DELETE FROM client_rows WHERE day < ?", (_utc_day(-1),))
        return added <= self.daily_rows_per_client

    def _quota(self, tx: Tx, client: str | None, what: str) -> None:
        if not self._count_row(tx, client):  # raising rolls the counter back too
            raise StoreQuotaError(f"{what} refused: this client added its {self.daily_rows_per_client} "
                                  "rows for today")

    # -- feedback, the gap log, password-prompt notes -------------------------------------------

    def record_feedback(self, session_id: str, entry_id: str, helpful: bool, comment: str | None = None, *,
                        client: str | None = None) -> None:
        def write(tx: Tx) -> None:
            self._quota(tx, client, "feedback")
            tx.execute("INSERT INTO feedback (created_at, session_id, entry_id, helpful, comment) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (now_iso(), storable(session_id), storable(entry_id), int(bool(helpful)), clean_text(comment)))

        self._run(write)

    def record_gap(self, question: str, kind: str, confidence: float, *, entry_id: str | None = None,
                   session_id: str | None = None, tool: str | None = None, client: str | None = None) -> None:
        def write(tx: Tx) -> None:
            if not self._count_row(tx, client):
                return  # beyond the cap: analytics, not worth refusing an answer for
            tx.execute("INSERT INTO gaps (created_at, session_id, question, kind, confidence, entry_id) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (now_iso(), None if session_id is None else storable(session_id),
                        clean_text(question, tool=tool) or "", storable(kind), float(confidence),
                        None if entry_id is None else storable(entry_id)))

        self._run(write, durable=False)  # analytics: committed, not synced (see the backends)

    def expect_secret(self, session_id: str) -> None:
        now = time.time()

        def note(tx: Tx) -> None:
            tx.execute("DELETE FROM secret_prompts WHERE until < ?", (now,))  # keeps the table small
            tx.execute("INSERT INTO secret_prompts (session_id, until) VALUES (?, ?) "
                       "ON CONFLICT (session_id) DO UPDATE SET until = excluded.until",
                       (storable(session_id), now + SECRET_PROMPT_TTL))

        self._run(note, durable=False)

    def secret_expected(self, session_id: str) -> bool:
        def take(tx: Tx) -> bool:
            found = tx.execute("DELETE FROM secret_prompts WHERE session_id = ? AND until >= ? RETURNING 1",
                               (storable(session_id), time.time())).fetchone()
            return found is not None

        return self._run(take, durable=False)

    # -- the hand-off queue ----------------------------------------------------------------------

    def open_handoff(self, session_id: str, question: str | None,
                     transcript: Sequence[tuple[str, str]] = (), *, client: str | None = None) -> Handoff:
        session_id, turns = storable(session_id), transcript_json(list(transcript))
        live_sql = f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE session_id = ? AND status <> 'closed'"

        def write(tx: Tx) -> Handoff:
            live = tx.execute(live_sql, (session_id,)).fetchone()
            if live is not None:
                return handoff_from_row(live)
            self._quota(tx, client, "hand-off")
            now = now_iso()
            row = tx.execute(
                "INSERT INTO handoffs (created_at, session_id, question, status, transcript, updated_at) "
                "VALUES (?, ?, ?, 'open', ?, ?) ON CONFLICT (session_id) WHERE status <> 'closed' DO NOTHING "
                f"RETURNING {HANDOFF_COLUMNS}", (now, session_id, clean_text(question), turns, now),
            ).fetchone()
            # None: another worker opened this session's hand-off between our read and our insert.
            return handoff_from_row(row if row is not None else tx.execute(live_sql, (session_id,)).fetchone())

        return self._run(write)

    def list_handoffs(self, status: str | None = None, limit: int = 50) -> list[Handoff]:
        where, params = ("WHERE status = ?", [check_status(status)]) if status is not None else ("", [])
        sql = f"SELECT {HANDOFF_COLUMNS} FROM handoffs {where} ORDER BY id DESC LIMIT ?"
        rows = self._run(lambda tx: tx.execute(sql, (*params, _clamp(limit))).fetchall(), read_only=True)
        return [handoff_from_row(row) for row in rows]

    def get_handoff(self, handoff_id: int) -> Handoff | None:
        row = self._run(lambda tx: self._handoff_row(tx, handoff_id), read_only=True)
        return None if row is None else handoff_from_row(row)

    def handoff_for_session(self, session_id: str) -> Handoff | None:
        sql = (f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE session_id = ? "
               "ORDER BY CASE WHEN status <> 'closed' THEN 0 ELSE 1 END, id DESC LIMIT 1")
        row = self._run(lambda tx: tx.execute(sql, (storable(session_id),)).fetchone(), read_only=True)
        return None if row is None else handoff_from_row(row)

    def claim_handoff(self, handoff_id: int, agent: str) -> Handoff:
        agent = storable(agent)

        def write(tx: Tx) -> Handoff:
            row = tx.execute(
                "UPDATE handoffs SET status = 'claimed', claimed_by = ?, updated_at = ? WHERE id = ? AND "
                f"(status = 'open' OR (status = 'claimed' AND claimed_by = ?)) RETURNING {HANDOFF_COLUMNS}",
                (agent, now_iso(), int(handoff_id), agent)).fetchone()
            if row is None:
                current = self._existing(tx, handoff_id)
                why = "is closed" if current.status == "closed" else "is claimed by another agent"
                raise HandoffConflict(f"hand-off {handoff_id} {why}")
            return handoff_from_row(row)

        return self._run(write)

    def close_handoff(self, handoff_id: int, agent: str) -> Handoff:
        agent = storable(agent)

        def write(tx: Tx) -> Handoff:
            row = tx.execute(
                "UPDATE handoffs SET status = 'closed', claimed_by = COALESCE(claimed_by, ?), updated_at = ? "
                "WHERE id = ? AND (status = 'open' OR (status = 'claimed' AND claimed_by = ?)) "
                f"RETURNING {HANDOFF_COLUMNS}", (agent, now_iso(), int(handoff_id), agent)).fetchone()
            if row is not None:
                return handoff_from_row(row)
            current = self._existing(tx, handoff_id)
            if current.status == "closed":
                return current  # closing twice is a no-op
            raise HandoffConflict(f"hand-off {handoff_id} is claimed by another agent")

        return self._run(write)

    def add_handoff_message(self, handoff_id: int, role: str, text: str, *,
                            client: str | None = None) -> HandoffMessage:
        check_role(role)

        def write(tx: Tx) -> HandoffMessage:
            # Touching the hand-off row first locks it (PostgreSQL) until commit, so the messages of
            # one hand-off get their ids in commit order and a poller's "after id" never skips one.
            live = tx.execute("UPDATE handoffs SET updated_at = ? WHERE id = ? AND status <> 'closed' RETURNING id",
                              (now_iso(), int(handoff_id))).fetchone()
            if live is None:
                self._existing(tx, handoff_id)
                raise HandoffConflict(f"hand-off {handoff_id} is closed")
            self._quota(tx, client, "message")
            row = tx.execute(f"INSERT INTO handoff_messages (handoff_id, created_at, role, text) VALUES (?, ?, ?, ?) "
                             f"RETURNING {MESSAGE_COLUMNS}", (int(handoff_id), now_iso(), role, clean_text(text) or ""),
                             ).fetchone()
            return message_from_row(row)

        return self._run(write)

    def messages_after(self, handoff_id: int, after_id: int = 0, limit: int = 200) -> list[HandoffMessage]:
        sql = f"SELECT {MESSAGE_COLUMNS} FROM handoff_messages WHERE handoff_id = ? AND id > ? ORDER BY id LIMIT ?"
        rows = self._run(lambda tx: tx.execute(sql, (int(handoff_id), int(after_id), _clamp(limit))).fetchall(),
                         read_only=True)
        return [message_from_row(row) for row in rows]

    def _handoff_row(self, tx: Tx, handoff_id: int) -> Any:
        return tx.execute(f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE id = ?", (int(handoff_id),)).fetchone()

    def _existing(self, tx: Tx, handoff_id: int) -> Handoff:
        row = self._handoff_row(tx, handoff_id)
        if row is None:
            raise HandoffNotFound(f"no hand-off has id {handoff_id}")
        return handoff_from_row(row)

    # -- the report ------------------------------------------------------------------------------

    def report(self, limit: int = 10, *, days: int = 0) -> dict[str, Any]:
        since = _utc_day(1 - days) if days > 0 else None

        def read(tx: Tx) -> dict[str, Any]:
            data = {
                "gaps": tx.execute("SELECT question, COUNT(*), MAX(created_at) FROM gaps GROUP BY question "
                                   "ORDER BY COUNT(*) DESC, MAX(created_at) DESC LIMIT ?",
                                   (MAX_GROUPED_QUESTIONS,)).fetchall(),
                "gaps_total": tx.execute("SELECT COUNT(*) FROM gaps").fetchone()[0],
                "votes": tx.execute("SELECT entry_id, SUM(helpful), COUNT(*) FROM feedback "
                                    "GROUP BY entry_id").fetchall(),
                "handoffs": tx.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0],
            }
            if since is not None:
                day = "substr(created_at, 1, 10)"
                data["daily"] = {
                    "gaps": tx.execute(f"SELECT {day}, kind, COUNT(*) FROM gaps WHERE created_at >= ? "
                                       "GROUP BY 1, 2", (since,)).fetchall(),
                    "handoffs": tx.execute(f"SELECT {day}, COUNT(*) FROM handoffs WHERE created_at >= ? GROUP BY 1",
                                           (since,)).fetchall(),
                    "votes": tx.execute(f"SELECT {day}, SUM(helpful), COUNT(*) FROM feedback WHERE created_at >= ? "
                                        "GROUP BY 1", (since,)).fetchall(),
                }
            return data

        data = self._run(read, read_only=True)
        entries = entry_rates(data["votes"])
        result: dict[str, Any] = {
            "unanswered": group_questions(data["gaps"])[:limit],
            "entries": entries,
            "handoffs": int(data["handoffs"]),
            "feedback_total": sum(e["total"] for e in entries),
            "gaps_total": int(data["gaps_total"]),
        }
        if since is not None:
            result["days"] = daily_counts(since, days, **data["daily"])
        return result


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIST))
