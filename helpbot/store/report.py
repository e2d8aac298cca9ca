"""The report made from a store: helpful rates, counts per day, and its text form.

The grouping of similar unanswered questions lives in :mod:`helpbot.store.grouping`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from helpbot.store.grouping import GROUP_SIMILARITY, group_questions

if TYPE_CHECKING:
    from helpbot.store.base import Store

# Distinct gap questions the report reads (the most frequent): grouping is linear, and this
# bounds the memory and the database's sort.
MAX_GROUPED_QUESTIONS = 50_000
DAY_KEYS = ("fallback", "clarify", "unsure", "handoffs", "helpful", "not_helpful")

__all__ = ["DAY_KEYS", "GROUP_SIMILARITY", "MAX_GROUPED_QUESTIONS", "daily_counts", "entry_rates",
           "format_report", "group_questions"]


def entry_rates(vote_rows: Sequence[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """(entry_id, helpful votes, votes) rows as the report's entries, worst rate first."""
    entries = [
        {"entry_id": entry_id, "helpful": int(yes), "not_helpful": int(total - yes), "total": int(total),
         "helpful_rate": round(int(yes) / int(total), 4)}
        for entry_id, yes, total in vote_rows
    ]
    entries.sort(key=lambda e: (e["helpful_rate"], -e["total"], e["entry_id"]))
    return entries


def daily_counts(since: str, days: int, *, gaps: Sequence[tuple[str, str, int]],
                 handoffs: Sequence[tuple[str, int]], votes: Sequence[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """One dict per UTC day from ``since`` (every day, zeros included, oldest first) for charts:
    gap questions by outcome (fallback, clarify, unsure: an answer below the confidence bar),
    hand-offs opened and votes (helpful / not helpful)."""
    start = date.fromisoformat(since)
    table = {(start + timedelta(days=n)).isoformat(): dict.fromkeys(DAY_KEYS, 0) for n in range(days)}
    for day, kind, count in gaps:
        if day in table:
            table[day][kind if kind in ("fallback", "clarify") else "unsure"] += int(count)
    for day, count in handoffs:
        if day in table:
            table[day]["handoffs"] += int(count)
    for day, yes, total in votes:
        if day in table:
            table[day]["helpful"] += int(yes)
            table[day]["not_helpful"] += int(total) - int(yes)
    return [{"day": day, **counts} for day, counts in table.items()]


def format_report(store: Store, limit: int = 10, *, days: int = 14) -> str:
    """The report as plain text, for ``helpbot report``; ``days`` of daily counts (0: none)."""
    data = store.report(limit=limit, days=days)
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
    if data.get("days"):
        lines += ["", f"Per day (UTC, last {days} days):",
                  "  day         fallback  clarify  unsure  hand-offs  helpful  not helpful"]
        for row in data["days"]:
            lines.append(f"  {row['day']}  {row['fallback']:>8}  {row['clarify']:>7}  {row['unsure']:>6}  "
                         f"{row['handoffs']:>9}  {row['helpful']:>7}  {row['not_helpful']:>11}")
    return "\n".join(lines) + "\n"
