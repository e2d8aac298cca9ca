"""What the curator loop and the report's charts learn from, in the SQL backends: how each day's
questions ended (answered, clarified, fallback, hand-off, tool...), the signals that a buyer's
words meant an entry, and the curators' decisions on proposals (so a rejected one is not proposed
again). Mixed into helpbot.store.sql.SqlStore; the interface is in helpbot.store.base."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpbot.store.base import now_iso
from helpbot.store.redaction import clean_text, storable

DECISIONS = ("accepted", "rejected")


class SqlLearning:
    """Needs the host class's ``_run(action, *, durable, read_only)`` and ``_count_row``."""

    def record_outcomes(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Add per-(UTC day, reply kind) counts of answered messages, in one transaction."""
        rows = [(storable(day), storable(kind), int(n)) for (day, kind), n in counts.items() if n > 0]
        if not rows:
            return

        def write(tx: Any) -> None:
            for row in rows:
                tx.execute("INSERT INTO outcomes (day, kind, count) VALUES (?, ?, ?) "
                           "ON CONFLICT (day, kind) DO UPDATE SET count = outcomes.count + excluded.count", row)

        self._run(write, durable=False)  # analytics, like the gap log

    def outcomes_since(self, day: str) -> list[tuple[str, str, int]]:
        return [(str(d), str(k), int(n)) for d, k, n in self._run(
            lambda tx: tx.execute("SELECT day, kind, count FROM outcomes WHERE day >= ? ORDER BY day, kind",
                                  (day,)).fetchall(), read_only=True)]

    def record_signal(self, question: str, entry_id: str, kind: str, *, session_id: str | None = None,
                      client: str | None = None) -> None:
        """One sign that ``question`` meant ``entry_id`` (a pick after a clarify or fallback, a
        helpful vote). Never a password check: the caller passes only stored-safe questions."""
        text = clean_text(question)
        if not text:
            return

        def write(tx: Any) -> None:
            if not self._count_row(tx, client):
                return
            tx.execute("INSERT INTO signals (created_at, session_id, question, entry_id, kind) VALUES (?, ?, ?, ?, ?)",
                       (now_iso(), None if session_id is None else storable(session_id), text,
                        storable(entry_id), storable(kind)))

        self._run(write, durable=False)

    def signals(self, limit: int = 50_000) -> list[tuple[str, str, str]]:
        """(question, entry_id, kind), newest first."""
        return [(str(q), str(e), str(k)) for q, e, k in self._run(
            lambda tx: tx.execute("SELECT question, entry_id, kind FROM signals ORDER BY id DESC LIMIT ?",
                                  (int(limit),)).fetchall(), read_only=True)]

    def record_decision(self, key: str, decision: str, *, entry_id: str, question: str, by: str) -> None:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        self._run(lambda tx: tx.execute(
            "INSERT INTO curation_decisions (key, decision, entry_id, question, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET decision = excluded.decision, "
            "decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            (storable(key), decision, storable(entry_id), clean_text(question) or "", storable(by), now_iso())))

    def decisions(self) -> dict[str, str]:
        """key -> accepted | rejected."""
        return {str(k): str(d) for k, d in self._run(
            lambda tx: tx.execute("SELECT key, decision FROM curation_decisions").fetchall(), read_only=True)}
