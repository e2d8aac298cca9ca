"""Similar unanswered questions grouped, in near-linear time and within a time budget.

The rule is the one the report always had: questions come most frequent first; each joins the
group whose representative (its first, most frequent question) scores best, at least
:data:`GROUP_SIMILARITY`, on rapidfuzz's ``token_set_ratio``, else it starts a group. Scoring
every representative made that quadratic (3,000 long distinct questions took 95 s), so the
candidates come from a word index instead:

* every representative is indexed under each of its words (at most :data:`POSTING_CAP`
  representatives per word: a word that common says little, and the earliest are the biggest);
* a question looks up its :data:`RARE_WORDS` rarest words (rarest in this log), counts how many
  of them each representative shares, and scores only the :data:`MAX_CANDIDATES` that share most.

Two questions that score 85 share most of their words, so the pairs this misses are ones whose
only shared words are common ones (or that share none: a typo in every word). With few enough
representatives and words the result is the exhaustive one exactly (a test checks that against
the quadratic reference). The work per question is bounded, so grouping is linear in the number
of questions; past :data:`TIME_BUDGET` seconds the rest are grouped only with questions of the
same words (a dictionary lookup), so a huge log still gets a report in time.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz import fuzz, process, utils

log = logging.getLogger(__name__)

GROUP_SIMILARITY = 85  # rapidfuzz token_set_ratio at or above which two questions group
RARE_WORDS = 6  # words of a question looked up in the index (its rarest)
MAX_CANDIDATES = 8  # representatives scored per question
POSTING_CAP = 32  # representatives remembered per word
TIME_BUDGET = 3.0  # seconds of fuzzy grouping per report; after it, only same-words grouping


def group_questions(rows: Sequence[tuple[str, int, str]], *, budget: float = TIME_BUDGET,
                    clock: Callable[[], float] = time.monotonic) -> list[dict[str, Any]]:
    """Group (question, count, last_seen) rows, most frequent first (see the module doc).

    Returns groups by total count (ties keep first-seen order), each
    ``{"question", "count", "examples" (up to 5 others), "last_seen"}``.
    """
    deadline = clock() + budget  # the budget covers the preparation too
    texts = [utils.default_process(question) for question, _, _ in rows]
    words = [sorted(set(text.split())) for text in texts]
    frequency = Counter(word for ws in words for word in ws)
    groups: list[dict[str, Any]] = []
    representatives: list[str] = []  # processed text of each group's first question
    postings: dict[str, list[int]] = {}
    by_words: dict[tuple[str, ...], int] = {}
    fuzzy = True
    for n, (question, count, last_seen) in enumerate(rows):
        key = tuple(words[n])
        if fuzzy and clock() > deadline:
            fuzzy = False
            log.warning("grouping %d questions: time budget (%.1f s) used up after %d; the rest are grouped "
                        "by their words only", len(rows), budget, n)
        if fuzzy:
            index = _best_match(texts[n], words[n], frequency, postings, representatives)
        else:
            index = by_words.get(key)
        if index is None:
            index = len(groups)
            representatives.append(texts[n])
            groups.append({"question": question, "count": 0, "examples": [], "last_seen": last_seen})
            by_words.setdefault(key, index)
            for word in key if fuzzy else ():  # past the budget the index is no longer read
                posting = postings.setdefault(word, [])
                if len(posting) < POSTING_CAP:
                    posting.append(index)
        group = groups[index]
        group["count"] += int(count)
        group["last_seen"] = max(group["last_seen"], last_seen)
        if question != group["question"] and len(group["examples"]) < 5:
            group["examples"].append(question)
    groups.sort(key=lambda g: -g["count"])  # stable: ties keep first-seen order
    return groups


def _best_match(text: str, words: list[str], frequency: Counter[str], postings: dict[str, list[int]],
                representatives: list[str]) -> int | None:
    """The representative scoring best (ties: the earliest) among the likeliest candidates."""
    hits: Counter[int] = Counter()
    for word in sorted(words, key=lambda w: (frequency[w], w))[:RARE_WORDS]:
        hits.update(postings.get(word, ()))
    if not hits:
        return None
    # Most shared words first (ties: met first, i.e. under the rarest word); then in group order,
    # so that equal scores go to the earliest group, as the exhaustive grouping does.
    candidates = sorted(index for index, _ in hits.most_common(MAX_CANDIDATES))
    match = process.extractOne(text, [representatives[i] for i in candidates], scorer=fuzz.token_set_ratio,
                               processor=None, score_cutoff=GROUP_SIMILARITY)
    return None if match is None else candidates[match[2]]


def group_questions_exhaustively(rows: Sequence[tuple[str, int, str]]) -> list[dict[str, Any]]:
    """The quadratic reference: every question scored against every representative (tests, benchmarks)."""
    groups: list[dict[str, Any]] = []
    representatives: list[str] = []
    for question, count, last_seen in rows:
        match = process.extractOne(question, representatives, scorer=fuzz.token_set_ratio,
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
    groups.sort(key=lambda g: -g["count"])
    return groups
