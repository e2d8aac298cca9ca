"""Fusion: per-candidate features -> one ranking score -> a calibrated confidence.

Two small logistic regressions, learned when the bot loads and never on evaluation cases:

* the **ranker** scores each (query, candidate) pair: is this candidate the right answer?
* the **calibrator** maps the best candidate's score and its margin over the runner-up to the
  probability that the top answer is right, so ``confidence >= 0.8`` means "right at least 80%
  of the time" on questions the index has not seen.

Training data comes from the knowledge base itself: its example questions, each scored by a
retriever fitted *without* it (k-fold). Out-of-scope examples take part as the questions of one
more doc (see ``helpbot.bot.build_index``), so they are held out the same way. That
makes the fusion work unchanged on any knowledge base in the same format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from helpbot.retrieval import Candidates, Doc, HybridRetriever


@dataclass(frozen=True)
class Example:
    """One training query: its candidates and the position of the right one (-1: none)."""

    candidates: Candidates
    answer_position: int


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -35, 35)))


class Fusion:
    def __init__(self, *, regularisation: float = 1.0, interactions: bool = False) -> None:
        self.regularisation = regularisation
        # Pairwise products of the standardised features let a linear model learn that, say, a
        # strong BM25 score matters less when the classifier disagrees.
        self.interactions = interactions

    def _expand(self, standardised: np.ndarray) -> np.ndarray:
        if not self.interactions:
            return standardised
        upper = np.triu_indices(standardised.shape[1])
        crosses = (standardised[:, :, None] * standardised[:, None, :])[:, upper[0], upper[1]]
        return np.hstack([standardised, crosses])

    def fit(self, examples: Sequence[Example]) -> Fusion:
        from sklearn.linear_model import LogisticRegression  # fit time only

        rows = np.vstack([e.candidates.features for e in examples])
        labels = np.concatenate(
            [np.arange(len(e.candidates.indices)) == e.answer_position for e in examples]
        ).astype(int)
        self.mean_ = rows.mean(axis=0)
        self.scale_ = rows.std(axis=0) + 1e-9
        ranker = LogisticRegression(C=self.regularisation, max_iter=2000, class_weight="balanced")
        ranker.fit(self._expand((rows - self.mean_) / self.scale_), labels)
        self.coef_ = ranker.coef_[0].astype(np.float64)
        self.intercept_ = float(ranker.intercept_[0])

        summaries = np.array([self._summary(self.scores(e.candidates.features), e.candidates.features)
                              for e in examples])
        self.summary_mean_ = summaries.mean(axis=0)
        self.summary_scale_ = summaries.std(axis=0) + 1e-9
        summaries = (summaries - self.summary_mean_) / self.summary_scale_
        correct = np.array(
            [e.answer_position >= 0 and int(np.argmax(self.scores(e.candidates.features))) == e.answer_position
             for e in examples],
            dtype=int,
        )
        if correct.min() == correct.max():  # degenerate: nothing to calibrate against
            self.calibration_coef_ = np.zeros(summaries.shape[1])
            self.calibration_coef_[0] = 1.0
            self.calibration_intercept_ = 0.0
        else:
            calibrator = LogisticRegression(C=1.0, max_iter=2000)
            calibrator.fit(summaries, correct)
            self.calibration_coef_ = calibrator.coef_[0].astype(np.float64)
            self.calibration_intercept_ = float(calibrator.intercept_[0])
        return self

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Ranking logit of each candidate row."""
        return self._expand((features - self.mean_) / self.scale_) @ self.coef_ + self.intercept_

    @staticmethod
    def _summary(scores: np.ndarray, features: np.ndarray) -> np.ndarray:
        """What the calibrator sees: the best score, its margin over the runner-up, and the best
        candidate's own features (how much of the query it covers, how sure the classifier is)."""
        order = np.argsort(-scores, kind="stable")
        top = scores[order[0]]
        runner_up = scores[order[1]] if len(scores) > 1 else top - 10.0
        return np.concatenate([[top, top - runner_up], features[order[0]]])

    def confidence(self, scores: np.ndarray, features: np.ndarray) -> float:
        """Probability that the best-scoring candidate is the right answer."""
        if not len(scores):
            return 0.0
        summary = (self._summary(scores, features) - self.summary_mean_) / self.summary_scale_
        return float(_sigmoid(np.array(summary @ self.calibration_coef_ + self.calibration_intercept_)))

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """Per-candidate probability from the ranker alone (used to find close runners-up)."""
        return _sigmoid(scores)


def out_of_fold_examples(
    docs: Sequence[Doc],
    make_retriever: Callable[[], HybridRetriever],
    *,
    folds: int = 3,
    max_queries: int = 4000,
    max_docs: int = 4000,
    seed: int = 0,
) -> list[Example]:
    """Score each doc's example questions with a retriever that has not seen them.

    A very large base learns from a random sample of ``max_docs`` docs (intents always kept):
    a dozen fusion weights need thousands of examples, not a rebuild of 300,000 entries per fold.
    """
    rng = np.random.default_rng(seed)
    if len(docs) > max_docs:
        always = [d for d in docs if d.key.startswith("intent:")]
        pool = [d for d in docs if not d.key.startswith("intent:")]
        picked = rng.choice(len(pool), size=max(1, max_docs - len(always)), replace=False)
        docs = [pool[i] for i in sorted(picked)] + always
    held: list[tuple[int, int]] = [(d, q) for d, doc in enumerate(docs) for q in range(len(doc.questions))]
    if len(held) > max_queries:  # a large base: a sample is enough to fit a dozen weights
        keep = rng.choice(len(held), size=max_queries, replace=False)
        held = [held[i] for i in sorted(keep)]
    fold_of = {pair: i % folds for i, pair in enumerate(held)}
    examples: list[Example] = []
    for fold in range(folds):
        held_here = {pair for pair, f in fold_of.items() if f == fold}
        trimmed = [
            Doc(doc.key, doc.title, tuple(q for j, q in enumerate(doc.questions) if (d, j) not in held_here),
                doc.body, doc.tags)
            for d, doc in enumerate(docs)
        ]
        retriever = make_retriever().fit(trimmed)
        for d, j in sorted(held_here):
            candidates = retriever.candidates(docs[d].questions[j])
            position = np.flatnonzero(candidates.indices == d)
            examples.append(Example(candidates, int(position[0]) if len(position) else -1))
    return examples
