"""What to do with a ranking: answer, hand to an intent, ask which one, or say "I don't know".

A pure function of the ranking and the thresholds (in the manner of Rasa's FallbackClassifier),
so every rule is a row of a table test. Tools are not decided here: the conversation layer tries
them when the decision is not a confident answer.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

import numpy as np

from helpbot.index import OUT_OF_SCOPE
from helpbot.ranking import Ranking


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the calibrated confidence.

    Chosen on the dev splits (eval/cases/dev.jsonl and dev2.jsonl together, never a test split):
    the highest top-1 there with out-of-scope recall of at least 0.90 (0.958 and 0.906 at 0.5).
    A stricter 0.6 would reject more out-of-scope questions (0.929) but costs a point of top-1 and,
    on a base with one phrasing per entry (where the shipped prior's confidence runs low), a tenth
    of its right answers; docs/ENGINE.md has the table.
    """

    answer: float = 0.5
    intent: float = 0.4
    clarify: float = 0.45
    clarify_ratio: float = 0.6  # runner-up's ranker probability / the top one's


ACTIONS = ("answer", "intent", "clarify", "fallback")


@dataclass(frozen=True)
class Decision:
    """``action`` one of ACTIONS; ``key``: the doc to answer with or the intent's doc key;
    ``options``: entry ids to offer (clarify: the two close ones; fallback: related articles);
    ``confidence``: of the decision (for an out-of-scope fallback, that the question is out of
    scope)."""

    action: str
    key: str | None
    options: tuple[str, ...]
    confidence: float
    out_of_scope: bool = False
    exact: bool = False  # the answer is the entry whose stored question the message repeats


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(x, -35, 35))))


def decide(ranking: Ranking, keys: Sequence[str], entries: Container[str], thresholds: Thresholds, *,
           intents: bool = True) -> Decision:
    """``keys[i]``: the key of doc i; ``entries``: the keys that are knowledge entries.
    ``intents=False``: decide among the entries (and out-of-scope) only."""
    ranked = [(keys[d], float(s)) for d, s in zip(ranking.docs, ranking.scores)
              if intents or keys[d] in entries or keys[d] == OUT_OF_SCOPE]
    entry_ranked = [(k, s) for k, s in ranked if k in entries]
    top = ranked[0][0]
    confidence = ranking.confidence
    if top == OUT_OF_SCOPE:
        return Decision("fallback", None, tuple(k for k, _ in entry_ranked[:3]), 1.0 - confidence, True)
    if top.startswith("intent:") and confidence >= thresholds.intent:
        return Decision("intent", top, (), confidence)
    if top in entries and confidence >= thresholds.answer:
        return Decision("answer", top, (), confidence, exact=ranking.exact)
    if top in entries and len(entry_ranked) >= 2 and confidence >= thresholds.clarify:
        p1, p2 = _sigmoid(entry_ranked[0][1]), _sigmoid(entry_ranked[1][1])
        if p1 > 0 and p2 / p1 >= thresholds.clarify_ratio:
            return Decision("clarify", None, tuple(k for k, _ in entry_ranked[:2]), confidence)
    return Decision("fallback", None, tuple(k for k, _ in entry_ranked[:3]), confidence)
