"""Grouping the content-gap log: the indexed grouping against the exhaustive reference, its
bounded work per question, and the time budget (with a fake clock: no timed assertion)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

import helpbot.store.grouping as grouping
from helpbot.store import group_questions
from helpbot.store.grouping import MAX_CANDIDATES, RARE_WORDS, group_questions_exhaustively

WORDS = ["track", "my", "order", "shipment", "cancel", "refund", "how", "do", "I", "fees"]


def as_rows(questions: list[str]) -> list[tuple[str, int, str]]:
    """Rows as the store reads them: most frequent first (here: first listed)."""
    return [(q, len(questions) - n, f"2026-01-{n % 28 + 1:02d}") for n, q in enumerate(questions)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=RARE_WORDS).map(" ".join),
                min_size=0, max_size=MAX_CANDIDATES))
def test_indexed_grouping_equals_the_exhaustive_one_when_few_enough(questions):
    """Up to MAX_CANDIDATES questions of at most RARE_WORDS words: every representative that shares
    a word is scored, so the result must be the quadratic one exactly (ties included)."""
    rows = as_rows(questions)
    assert group_questions(rows) == group_questions_exhaustively(rows)


def test_the_known_groups():
    rows = [("track my shipment", 4, "2026-01-02"), ("how can I track my shipment", 2, "2026-01-03"),
            ("cancel my membership", 3, "2026-01-01"), ("membership fees", 1, "2026-01-01"),
            ("Track my shipment!", 1, "2026-01-04")]
    groups = group_questions(rows)
    assert [(g["question"], g["count"]) for g in groups] == [
        ("track my shipment", 7), ("cancel my membership", 3), ("membership fees", 1)]
    assert groups[0]["last_seen"] == "2026-01-04"
    assert groups[0]["examples"] == ["how can I track my shipment", "Track my shipment!"]


def test_work_per_question_is_bounded(monkeypatch):
    """However many representatives there are, each question is scored against at most
    MAX_CANDIDATES of them: the grouping is linear in the log, not quadratic."""
    scored: list[int] = []
    real = grouping.process.extractOne

    def counting(query, choices, **kwargs):
        scored.append(len(choices))
        return real(query, choices, **kwargs)

    monkeypatch.setattr(grouping.process, "extractOne", counting)
    rng = random.Random(3)
    vocabulary = [f"word{n}" for n in range(300)] + ["how", "do", "I", "my", "the"] * 40
    questions = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 30))) for _ in range(3000)]
    groups = group_questions(as_rows(questions))
    assert max(scored) <= MAX_CANDIDATES
    assert sum(scored) <= MAX_CANDIDATES * len(questions)
    assert sum(g["count"] for g in groups) == sum(count for _, count, _ in as_rows(questions))


def test_past_the_time_budget_only_same_words_group():
    ticks = iter([0.0, 0.0] + [10.0] * 10)  # the deadline is read, then the first question is in time
    rows = as_rows(["how do I track my order", "How do I track my order?", "track my order"])
    groups = group_questions(rows, budget=1.0, clock=lambda: next(ticks))
    assert [g["count"] for g in groups] == [5, 1]  # same words grouped; the near match was not scored
    assert [g["count"] for g in group_questions(rows)] == [6]  # in time, all three group
