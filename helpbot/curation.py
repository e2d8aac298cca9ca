"""The curator loop's proposals, made from what buyers asked: new phrasings for entries, content
gaps, and entries whose questions overlap.

The signals (helpbot.store logs them; see docs/CURATION.md) say that a buyer's words meant a
given entry: they picked it from a "did you mean" list (``clarify_pick``), clicked it under a
fallback (``fallback_pick``), or voted its answer helpful (``helpful_vote``). Questions that
signal the same entry are grouped by meaning (the sentence embedding when the index has one,
else word overlap), and a group with at least ``min_support`` signals is proposed as a new
question for that entry - the rule of QnA Maker's active learning (about five similar questions).
Nothing that looks like a secret is ever proposed, nor a question the entry already holds, nor
one a curator rejected before.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, utils

from helpbot.store.redaction import PASSWORD_PLACEHOLDER, REDACTED, clean_text
from helpbot.text import fold

SIGNAL_KINDS = ("clarify_pick", "fallback_pick", "helpful_vote")
MIN_SUPPORT = 3          # signals a phrasing needs before it is proposed
SAME_MEANING = 0.80      # cosine at or above which two questions are one phrasing (embeddings)
SAME_WORDS = 85          # token_set_ratio at or above which they are (without embeddings)
OVERLAP_MIN = 2          # questions of one entry closer to another entry before a pair is shown


@dataclass(frozen=True)
class Signal:
    """One buyer message that ended on ``entry_id``, and how we know."""

    question: str
    entry_id: str
    kind: str


@dataclass(frozen=True)
class PhrasingSuggestion:
    """Propose ``question`` as a new phrasing of ``entry_id``; ``support`` signals back it."""

    key: str
    entry_id: str
    question: str
    support: int
    examples: tuple[str, ...]
    signals: tuple[tuple[str, int], ...]  # (kind, count), most first


@dataclass(frozen=True)
class Gap:
    """A cluster of unanswered questions and the entries closest to it."""

    question: str
    count: int
    examples: tuple[str, ...]
    nearest: tuple[tuple[str, str, float], ...]  # (entry_id, title, score)


@dataclass(frozen=True)
class Overlap:
    """Entries the engine confuses: ``count`` questions of ``entry_id`` are nearer ``other``."""

    entry_id: str
    other: str
    count: int
    examples: tuple[str, ...]


def normalize(question: str) -> str:
    """The form two questions are compared in: folded case and quotes, single spaces, no final
    punctuation."""
    return " ".join(fold(question).split()).rstrip(" ?!.")


def suggestion_key(entry_id: str, question: str) -> str:
    """A stable id for a proposal, so a rejection is remembered across runs and workers."""
    return hashlib.sha256(f"{entry_id}|{normalize(question)}".encode()).hexdigest()[:16]


def proposable(question: str) -> bool:
    """Whether a logged question may become a stored phrasing: nothing redacted or secret-looking."""
    text = question.strip()
    if not text or PASSWORD_PLACEHOLDER in text or REDACTED in text:
        return False
    return clean_text(text) == text  # the redaction would blank something: it may hold a secret


def _groups(questions: Sequence[str], encode) -> list[list[int]]:
    """Greedy grouping by meaning, most frequent question first (it leads its group)."""
    vectors = encode(questions) if encode is not None and questions else None
    leaders: list[int] = []
    groups: list[list[int]] = []
    for i, question in enumerate(questions):
        home = None
        for g, leader in enumerate(leaders):
            if vectors is not None:
                same = float(vectors[i] @ vectors[leader]) >= SAME_MEANING
            else:
                same = fuzz.token_set_ratio(question, questions[leader], processor=utils.default_process) >= SAME_WORDS
            if same:
                home = g
                break
        if home is None:
            leaders.append(i)
            groups.append([i])
        else:
            groups[home].append(i)
    return groups


def suggest_phrasings(signals: Iterable[Signal], entries: dict, *, encode=None, min_support: int = MIN_SUPPORT,
                      rejected: frozenset[str] = frozenset(), limit: int = 100) -> list[PhrasingSuggestion]:
    """Proposals, best supported first. ``entries``: id -> Entry; ``encode``: texts -> unit vectors
    (the bot's encoder) or None for word overlap."""
    by_entry: dict[str, list[Signal]] = defaultdict(list)
    for signal in signals:
        if signal.entry_id in entries and signal.kind in SIGNAL_KINDS and proposable(signal.question):
            by_entry[signal.entry_id].append(signal)
    found: list[PhrasingSuggestion] = []
    for entry_id, entry_signals in by_entry.items():
        stored = {normalize(q) for q in (entries[entry_id].title, *entries[entry_id].questions)}
        counts = Counter(s.question.strip() for s in entry_signals)
        questions = [q for q, _ in counts.most_common()]
        kinds = defaultdict(Counter)
        for s in entry_signals:
            kinds[s.question.strip()][s.kind] += 1
        for group in _groups(questions, encode):
            members = [questions[i] for i in group]
            support = sum(counts[q] for q in members)
            lead = next((q for q in members if normalize(q) not in stored), None)
            if support < min_support or lead is None:
                continue
            key = suggestion_key(entry_id, lead)
            if key in rejected:
                continue
            tally = Counter()
            for q in members:
                tally.update(kinds[q])
            found.append(PhrasingSuggestion(key, entry_id, lead, support, tuple(members[:5]),
                                            tuple(tally.most_common())))
    found.sort(key=lambda s: (-s.support, s.entry_id, s.question))
    return found[:limit]


def answered_by(bot, question: str) -> str | None:
    """The entry the bot answers ``question`` with now (no conversation), or None: how a logged
    gap that an edit has since covered is told from one still open (the report and curation)."""
    if not proposable(question):
        return None
    reply = bot.ask(question)
    return reply.entry_id if reply.kind == "answer" else None


def content_gaps(groups: Iterable[dict], search, *, answered=None, k: int = 3) -> list[Gap]:
    """Unanswered question groups (the report's ``unanswered``) with their nearest entries; a
    group the bot now answers (``answered(question)`` true, e.g. after an edit) is left out."""
    gaps = []
    for group in groups:
        question = group["question"]
        if not proposable(question) or (answered is not None and answered(question)):
            continue
        nearest = tuple((h.entry_id, h.title, round(h.score, 3)) for h in search(question, k))
        gaps.append(Gap(question, int(group["count"]), tuple(group.get("examples", ())), nearest))
    return gaps


def overlaps(question_vectors: np.ndarray, owners: Sequence[str], questions: Sequence[str], *,
             minimum: int = OVERLAP_MIN) -> list[Overlap]:
    """Leave-one-out nearest neighbour over the stored questions' vectors: a question whose closest
    other question belongs to another entry is one the engine may confuse. Pairs of entries with at
    least ``minimum`` such questions, most first."""
    if len(questions) < 2:
        return []
    vectors = np.asarray(question_vectors, dtype=np.float32)
    owner = np.asarray(owners)
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for start in range(0, len(vectors), 512):  # in blocks: memory stays flat on big bases
        block = vectors[start:start + 512] @ vectors.T
        for row, cosines in enumerate(block):
            i = start + row
            cosines[i] = -np.inf
            j = int(np.argmax(cosines))
            if owner[j] != owner[i]:
                pairs[(str(owner[i]), str(owner[j]))].append(questions[i])
    found = [Overlap(a, b, len(qs), tuple(qs[:5])) for (a, b), qs in pairs.items() if len(qs) >= minimum]
    found.sort(key=lambda o: (-o.count, o.entry_id, o.other))
    return found
