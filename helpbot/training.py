"""Where the fusion's training examples come from: a base's own questions scored out of fold,
and (offline) the shipped prior learned from several bases at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from helpbot.fusion import (
    FEATURES, FREE_SUMMARY, QUERY_FEATURES, SUMMARY, Example, Fusion, Linear, Prior, balanced, fit_logistic,
)
from helpbot.retrieval import Doc, HybridRetriever, exact_key


def informative_questions(doc: Doc) -> list[int]:
    """Positions of the doc's questions that say something its title does not: a question that
    repeats the title word for word teaches only that an exact match matches."""
    seen = {exact_key(doc.title.casefold())}
    keep = []
    for j, question in enumerate(doc.questions):
        key = exact_key(question.casefold())
        if key not in seen:
            keep.append(j)
            seen.add(key)
    return keep


def out_of_fold_examples(
    docs: Sequence[Doc],
    make_retriever: Callable[[], HybridRetriever],
    *,
    vectors=None,
    is_entry: Callable[[Doc], bool] = lambda doc: not doc.key.startswith("intent:"),
    folds: int = 3,
    max_queries: int = 4000,
    max_docs: int = 4000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Example]:
    """Score each doc's example questions with a retriever that has not seen them.

    A very large base learns from a random sample of ``max_docs`` docs (intents always kept):
    a couple of dozen fusion weights need thousands of examples, not a rebuild of 300,000
    entries per fold.
    """
    rng = np.random.default_rng(seed)
    if len(docs) > max_docs:
        always = [d for d in docs if not is_entry(d)]
        pool = [d for d in docs if is_entry(d)]
        picked = rng.choice(len(pool), size=max(1, max_docs - len(always)), replace=False)
        docs = [pool[i] for i in sorted(picked)] + always
    held: list[tuple[int, int]] = [(d, q) for d, doc in enumerate(docs) for q in informative_questions(doc)]
    if len(held) > max_queries:  # a large base: a sample is enough to fit a few dozen weights
        keep = rng.choice(len(held), size=max_queries, replace=False)
        held = [held[i] for i in sorted(keep)]
    fold_of = {pair: i % folds for i, pair in enumerate(held)}
    examples: list[Example] = []
    for fold in range(folds):
        held_here = {pair for pair, f in fold_of.items() if f == fold}
        if not held_here:
            continue
        trimmed = [
            Doc(doc.key, doc.title, tuple(q for j, q in enumerate(doc.questions) if (d, j) not in held_here),
                doc.body, doc.tags)
            for d, doc in enumerate(docs)
        ]
        retriever = make_retriever().fit(trimmed, vectors)
        for d, j in sorted(held_here):
            question = docs[d].questions[j]
            vector = vectors.get(question) if vectors is not None else None
            candidates = retriever.candidates(question, vector)
            position = np.flatnonzero(candidates.indices == d)
            examples.append(Example(candidates, int(position[0]) if len(position) else -1, is_entry(docs[d])))
        if progress is not None:
            progress(fold + 1, folds)
    return examples


def fit_prior(groups: Sequence[tuple[Sequence[Example], float]]) -> Prior:
    """Learn the shipped prior from several bases (``(examples, base_phrasings)`` each), every
    group weighing the same in total, so no one base or regime dominates."""
    rows, labels, weights = [], [], []
    for examples, _ in groups:
        share = 1.0 / max(1, len(examples))
        for e in examples:
            rows.append(e.candidates.features)
            labels.append(np.arange(len(e.candidates.indices)) == e.answer_position)
            weights.append(np.full(len(e.candidates.indices), share))
    rows_, labels_ = np.vstack(rows), np.concatenate(labels).astype(float)
    mean, scale = rows_.mean(axis=0), rows_.std(axis=0) + 1e-9
    nonnegative = np.array([name not in QUERY_FEATURES for name in FEATURES])
    coef, bias = fit_logistic((rows_ - mean) / scale, labels_, balanced(labels_, np.concatenate(weights)),
                              nonnegative=nonnegative, centre=np.zeros(len(FEATURES)), centre_intercept=0.0,
                              strength=1e-3)
    ranker = Linear(FEATURES, mean, scale, coef, bias)
    fusion = Fusion(prior=None)
    fusion.ranker_ = ranker
    summaries, correct, weights = [], [], []
    for examples, phrasings in groups:
        fusion.base_phrasings_ = float(np.log1p(phrasings))
        for e in examples:
            scores = fusion.scores(e.candidates.features)
            summaries.append(fusion.summary(scores, e.candidates.features))
            correct.append(e.answer_position >= 0 and int(np.argmax(scores)) == e.answer_position)
            weights.append(1.0 / max(1, len(examples)))
    summaries_, correct_ = np.array(summaries), np.array(correct, dtype=float)
    s_mean, s_scale = summaries_.mean(axis=0), summaries_.std(axis=0) + 1e-9
    nonnegative = np.array([name not in FREE_SUMMARY for name in SUMMARY])
    coef, bias = fit_logistic((summaries_ - s_mean) / s_scale, correct_, np.array(weights) * len(weights),
                              nonnegative=nonnegative, centre=np.zeros(len(SUMMARY)), centre_intercept=0.0,
                              strength=1.0)
    return Prior(ranker, Linear(SUMMARY, s_mean, s_scale, coef, bias))
