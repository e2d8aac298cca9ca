"""The curator loop end to end, for the admin page and ``helpbot curate``: gather the proposals
from the store's signals, accept (write the YAML, lint, gate, keep or revert) or reject (remember).

The gate an accepted phrasing must pass before it stays: ``kb lint`` finds no problem; a bot built
from the edited files answers every accepted question with its entry; no entry loses its own
stored questions (each still ranks its entry first); and, where eval cases are given (the bundled
base: eval/cases/test*.jsonl), top-1 on them does not drop by more than :data:`GATE_TOLERANCE`.
A failed gate restores the files as they were.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpbot.curation import (
    MIN_SUPPORT, Gap, Overlap, PhrasingSuggestion, Signal, answered_by, content_gaps, overlaps, suggest_phrasings,
)
from helpbot.kbedit import add_questions_to_file

GATE_TOLERANCE = 0.005
EXACTNESS_SAMPLE = 400  # stored questions re-asked by the gate (all of them on a small base)


@dataclass(frozen=True)
class Proposals:
    phrasings: tuple[PhrasingSuggestion, ...]
    gaps: tuple[Gap, ...]
    overlaps: tuple[Overlap, ...]


@dataclass(frozen=True)
class Outcome:
    """What accepting did: kept (the gate passed) or reverted, with the diff and why."""

    kept: bool
    diff: str
    problems: tuple[str, ...] = ()
    figures: dict[str, Any] = field(default_factory=dict)


def gather(bot: Any, store: Any, *, min_support: int = MIN_SUPPORT, gap_limit: int = 20) -> Proposals:
    decided = store.decisions()
    signals = [Signal(q, e, k) for q, e, k in store.signals()]
    encoder = getattr(bot.index.retriever, "encoder", None)
    phrasings = suggest_phrasings(signals, bot.entries, encode=encoder.encode_many if encoder else None,
                                  min_support=min_support, rejected=frozenset(decided))
    groups = store.report(limit=gap_limit)["unanswered"]
    gaps = content_gaps(groups, bot.search, answered=lambda q: answered_by(bot, q) is not None)
    return Proposals(tuple(phrasings), tuple(gaps), tuple(_overlaps(bot)))


def _overlaps(bot: Any) -> list[Overlap]:
    semantic = getattr(bot.index.retriever, "semantic_", None)
    if semantic is None:  # the lexical engine alone keeps no vectors to compare
        return []
    starts = list(semantic.question_starts_) + [len(semantic.questions_)]
    owners, texts = [], []
    for number, doc in enumerate(bot.docs):
        texts_of = (doc.title, *doc.questions)
        count = starts[number + 1] - starts[number]
        owners += [doc.key] * count
        texts += list(texts_of[:count]) + [doc.title] * max(0, count - len(texts_of))
    found = overlaps(semantic.questions_, owners, texts)
    return [o for o in found if o.entry_id in bot.entries and o.other in bot.entries]


def accept(bot: Any, chosen: Sequence[PhrasingSuggestion], *, knowledge_dir: Path, load: Callable[[], Any],
           lint: Callable[[], list[str]], cases: Sequence[dict] = (), evaluate: Callable | None = None) -> Outcome:
    """Write the chosen phrasings into their entries' files in ``knowledge_dir`` (``learned:``),
    then gate; ``load`` builds a bot from the files as they now are, ``lint`` lists the problems of
    the folder."""
    by_file: dict[Path, dict[str, list[str]]] = {}
    for suggestion in chosen:
        entry = bot.entries[suggestion.entry_id]
        # By name in the folder being curated: ``entry.file`` is where the build that is cached
        # read it, which may be another copy of the same files.
        path = Path(knowledge_dir) / Path(entry.file).name
        if not path.is_file():
            raise FileNotFoundError(f"{path} (the file of entry {entry.id}) is not in {knowledge_dir}")
        by_file.setdefault(path, {}).setdefault(entry.id, []).append(suggestion.question)
    before = {path: add_questions_to_file(path, additions, learned=True) for path, additions in by_file.items()}
    diff = "".join(line for path, text in before.items() for line in difflib.unified_diff(
        text.splitlines(keepends=True), path.read_text(encoding="utf-8").splitlines(keepends=True),
        fromfile=f"a/{path.name}", tofile=f"b/{path.name}"))
    problems = list(lint())
    figures: dict[str, Any] = {}
    if not problems:
        problems, figures = _gate(bot, load(), chosen, cases, evaluate)
    if problems:
        for path, text in before.items():
            path.write_text(text, encoding="utf-8")
        return Outcome(False, diff, tuple(problems), figures)
    return Outcome(True, diff, (), figures)


def _gate(old: Any, new: Any, chosen: Sequence[PhrasingSuggestion], cases: Sequence[dict],
          evaluate: Callable | None) -> tuple[list[str], dict[str, Any]]:
    problems = []
    for suggestion in chosen:
        reply = new.ask(suggestion.question)
        if reply.entry_id != suggestion.entry_id:
            problems.append(f"'{suggestion.question}' is answered by {reply.entry_id or reply.kind}, "
                            f"not {suggestion.entry_id}")
    stored = [(e.id, q) for e in new.entries.values() for q in (e.title, *e.questions)]
    step = max(1, len(stored) // EXACTNESS_SAMPLE)
    for entry_id, question in stored[::step]:
        hits = new.search(question, k=1)
        if not hits or hits[0].entry_id != entry_id:
            problems.append(f"entry {entry_id} lost its own question '{question}'")
    figures: dict[str, Any] = {}
    if cases and evaluate is not None:
        figures["top1_before"] = evaluate(old, cases).metrics()["top1"]
        figures["top1_after"] = evaluate(new, cases).metrics()["top1"]
        if figures["top1_after"] < figures["top1_before"] - GATE_TOLERANCE:
            problems.append(f"top-1 on the eval cases fell from {figures['top1_before']:.1%} to "
                            f"{figures['top1_after']:.1%}")
    return problems, figures


def reject(store: Any, suggestion: PhrasingSuggestion, *, by: str) -> None:
    store.record_decision(suggestion.key, "rejected", entry_id=suggestion.entry_id, question=suggestion.question,
                          by=by)


def remember_accepted(store: Any, chosen: Sequence[PhrasingSuggestion], *, by: str) -> None:
    for suggestion in chosen:
        store.record_decision(suggestion.key, "accepted", entry_id=suggestion.entry_id,
                              question=suggestion.question, by=by)
