"""The report made from a store: similar unanswered questions grouped, and its text form."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process, utils

from helpbot.store.base import Store

GROUP_SIMILARITY = 85  # rapidfuzz token_set_ratio at or above which two questions group
MAX_GROUPED_QUESTIONS = 5000  # distinct gap questions the report reads (grouping is quadratic)


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
