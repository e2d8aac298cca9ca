"""The admin report's data beyond what the store keeps: per-day rates for the chart (the store's
daily counts joined with how messages ended) and the unanswered groups checked against the
knowledge as it is now, so a question the bot answers today is never listed as unanswered."""

from __future__ import annotations

from typing import Any

from helpbot.curation import answered_by

DAYS = 14
ANSWERED = ("answer", "tool")
UNANSWERED = ("fallback", "clarify")


def daily_rates(days: list[dict[str, Any]], outcomes: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """One row per day: answered, not answered, hand-offs, their total and rates."""
    ended: dict[str, dict[str, int]] = {}
    for day, kind, count in outcomes:
        ended.setdefault(day, {}).setdefault(kind, 0)
        ended[day][kind] += count
    rows = []
    for row in days:
        kinds = ended.get(row["day"], {})
        answered = sum(kinds.get(k, 0) for k in ANSWERED)
        unanswered = sum(kinds.get(k, 0) for k in UNANSWERED)
        handoffs = max(int(row.get("handoffs", 0)), kinds.get("handoff", 0))
        total = answered + unanswered + handoffs
        rows.append({"day": row["day"], "answered": answered, "unanswered": unanswered, "handoffs": handoffs,
                     "total": total, "answer_rate": round(answered / total, 4) if total else None,
                     "helpful": int(row.get("helpful", 0)), "not_helpful": int(row.get("not_helpful", 0))})
    return rows


def split_answered(groups: list[dict[str, Any]], bot: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(still unanswered, answered now): a group whose question the bot now answers (an entry was
    added or reworded since) moves to the second list, with the entry that answers it."""
    still, now = [], []
    for group in groups:
        entry_id = answered_by(bot, group["question"])
        if entry_id is None:
            still.append(group)
        else:
            now.append({**group, "entry_id": entry_id})
    return still, now
