"""Fusion: per-candidate features -> one ranking score -> a calibrated confidence.

Two small logistic models, never learned on evaluation cases:

* the **ranker** scores each (query, candidate) pair: is this candidate the right answer?
* the **calibrator** maps the best candidate's score, its margin over the runner-up and its
  features to the probability that the top answer is right, so ``confidence >= 0.8`` means
  "right at least 80% of the time" on questions the index has not seen.

Both start from a **prior** shipped with the package (``helpbot/assets/fusion_prior.json``,
learned offline by ``scripts/train_fusion_prior.py`` on the bundled base and on the CLINC150
and BANKING77 training splits, each cut down to 1, 2, 4 ... phrasings per entry) and move away
from it as far as the base's own evidence allows: the fit minimises the log loss of the base's
out-of-fold examples plus ``strength * |w - w_prior|^2``. A base whose entries have one phrasing
each offers no examples and keeps the prior; the bundled base, with twenty-odd phrasings per
entry, learns nearly all of its weights itself. Examples from intents and out-of-scope messages
count at most as much as the entries' own, so they cannot teach the ranker a world without them.

**Monotone**: every feature that is evidence of a match (``helpbot.retrieval.FEATURES`` but the
query's own) has a non-negative weight in both models, so more evidence never lowers a score. Only
the query-level features (how many words, how many known) may weigh either way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpbot.retrieval import FEATURES, QUERY_FEATURES, Candidates

PRIOR_FILE = Path(__file__).resolve().parent / "assets" / "fusion_prior.json"
SUMMARY = ("top_score", "margin", *(f"top_{name}" for name in FEATURES), "base_phrasings")
FREE_SUMMARY = ("base_phrasings", *(f"top_{name}" for name in QUERY_FEATURES))
PRIOR_STRENGTH = 30.0  # the prior counts as this many examples' worth of log loss per unit of change


@dataclass(frozen=True)
class Example:
    """One training query: its candidates, the position of the right one (-1: none), and whether
    it comes from a knowledge entry's own questions (not an intent or out-of-scope message)."""

    candidates: Candidates
    answer_position: int
    from_entry: bool = True


@dataclass(frozen=True)
class Linear:
    """A logistic model over named inputs, standardised by a fixed mean and scale."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def to_dict(self) -> dict:
        return {"names": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: dict) -> Linear:
        return cls(tuple(data["names"]), np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                   np.asarray(data["coef"], float), float(data["intercept"]))


@dataclass(frozen=True)
class Prior:
    ranker: Linear
    calibrator: Linear

    def to_dict(self) -> dict:
        return {"ranker": self.ranker.to_dict(), "calibrator": self.calibrator.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> Prior:
        return cls(Linear.from_dict(data["ranker"]), Linear.from_dict(data["calibrator"]))


def load_prior(variant: str, path: Path = PRIOR_FILE) -> Prior | None:
    """The shipped prior for ``variant`` ("hybrid" or "lexical"), or None when there is none or
    it was learned over other features (then the base learns alone, as before)."""
    try:
        prior = Prior.from_dict(json.loads(path.read_text(encoding="utf-8"))[variant])
    except (OSError, KeyError, ValueError, TypeError):
        return None
    if prior.ranker.names != FEATURES or prior.calibrator.names != SUMMARY:
        return None
    return prior


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -35, 35)))


def fit_logistic(
    rows: np.ndarray, labels: np.ndarray, weights: np.ndarray, *, nonnegative: np.ndarray,
    centre: np.ndarray, centre_intercept: float, strength: float,
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression with ``strength * |coef - centre|^2`` and bounds (L-BFGS-B).
    ``nonnegative[j]``: coefficient j may not go below zero."""
    from scipy.optimize import minimize  # fit time only

    n_features = rows.shape[1]
    signs = 2.0 * labels - 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept = theta[:-1], theta[-1]
        margin = signs * (rows @ coef + intercept)
        value = float(weights @ np.logaddexp(0.0, -margin)) + strength * float((coef - centre) @ (coef - centre))
        slope = -weights * signs * _sigmoid(-margin)
        gradient = np.empty_like(theta)
        gradient[:-1] = rows.T @ slope + 2.0 * strength * (coef - centre)
        gradient[-1] = slope.sum()
        return value, gradient

    start = np.append(np.where(nonnegative, np.maximum(centre, 0.0), centre), centre_intercept)
    bounds = [(0.0, None) if nonnegative[j] else (None, None) for j in range(n_features)] + [(None, None)]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 3000})
    return result.x[:-1].copy(), float(result.x[-1])


def balanced(labels: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Per-row weights where both classes weigh the same in total (scikit-learn's "balanced")."""
    weights = base.astype(float).copy()
    for value in (0, 1):
        chosen = labels == value
        total = weights[chosen].sum()
        if total > 0:
            weights[chosen] *= weights.sum() / (2.0 * total)
    return weights


class Fusion:
    def __init__(self, *, prior: Prior | None = None, strength: float = PRIOR_STRENGTH) -> None:
        self.prior = prior
        self.strength = strength

    def fit(self, examples: Sequence[Example], *, base_phrasings: float = 0.0) -> Fusion:
        """Learn from out-of-fold examples; ``base_phrasings``: the mean number of phrasings per
        entry beyond its title (the calibrator is told how much the base offers)."""
        self.base_phrasings_ = float(np.log1p(base_phrasings))
        examples = list(examples)
        self.n_entry_examples_ = sum(e.from_entry for e in examples)
        self.ranker_ = self._fit_ranker(examples)
        self.calibrator_ = self._fit_calibrator(examples)
        return self

    def _example_weights(self, examples: Sequence[Example]) -> np.ndarray:
        """1 per entry example; intent and out-of-scope examples share at most as much in total."""
        n_entry = sum(e.from_entry for e in examples)
        n_other = len(examples) - n_entry
        other = min(1.0, n_entry / n_other) if n_other else 0.0
        return np.array([1.0 if e.from_entry else other for e in examples])

    def _fit_ranker(self, examples: Sequence[Example]) -> Linear:
        prior = self.prior.ranker if self.prior else None
        if not examples:
            if prior is None:
                raise ValueError("Fusion.fit needs examples when there is no prior")
            return prior
        rows = np.vstack([e.candidates.features for e in examples])
        labels = np.concatenate([np.arange(len(e.candidates.indices)) == e.answer_position for e in examples]).astype(float)
        per_example = self._example_weights(examples)
        base = np.concatenate([np.full(len(e.candidates.indices), w) for e, w in zip(examples, per_example)])
        if prior is not None:
            mean, scale, centre, intercept, strength = prior.mean, prior.scale, prior.coef, prior.intercept, self.strength
        else:
            mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-9
            centre, intercept, strength = np.zeros(len(FEATURES)), 0.0, 0.5  # plain L2, as C=1 did
        nonnegative = np.array([name not in QUERY_FEATURES for name in FEATURES])
        coef, bias = fit_logistic((rows - mean) / scale, labels, balanced(labels, base), nonnegative=nonnegative,
                                  centre=centre, centre_intercept=intercept, strength=strength)
        return Linear(FEATURES, mean, scale, coef, bias)

    def _fit_calibrator(self, examples: Sequence[Example]) -> Linear:
        prior = self.prior.calibrator if self.prior else None
        if not examples:
            return prior
        summaries = np.array([self.summary(self.scores(e.candidates.features), e.candidates.features)
                              for e in examples])
        correct = np.array([e.answer_position >= 0 and int(np.argmax(self.scores(e.candidates.features)))
                            == e.answer_position for e in examples], dtype=float)
        weights = self._example_weights(examples)
        if prior is not None:
            mean, scale, centre, intercept, strength = prior.mean, prior.scale, prior.coef, prior.intercept, self.strength
        else:
            if correct.min() == correct.max():  # degenerate: nothing to calibrate against
                coef = np.zeros(len(SUMMARY))
                coef[0] = 1.0
                return Linear(SUMMARY, np.zeros(len(SUMMARY)), np.ones(len(SUMMARY)), coef, 0.0)
            mean, scale = summaries.mean(axis=0), summaries.std(axis=0) + 1e-9
            centre, intercept, strength = np.zeros(len(SUMMARY)), 0.0, 0.5
        nonnegative = np.array([name not in FREE_SUMMARY for name in SUMMARY])
        coef, bias = fit_logistic((summaries - mean) / scale, correct, weights, nonnegative=nonnegative,
                                  centre=centre, centre_intercept=intercept, strength=strength)
        return Linear(SUMMARY, mean, scale, coef, bias)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Ranking logit of each candidate row."""
        return self.ranker_.logit(features)

    def summary(self, scores: np.ndarray, features: np.ndarray, top: int | None = None) -> np.ndarray:
        """What the calibrator sees: the best score, its margin over the runner-up, the best
        candidate's own features, and how many phrasings the base has per entry."""
        order = np.argsort(-scores, kind="stable")
        first = order[0] if top is None else top
        others = scores[np.arange(len(scores)) != first]
        runner_up = others.max() if len(others) else scores[first] - 10.0
        return np.concatenate([[scores[first], scores[first] - runner_up], features[first], [self.base_phrasings_]])

    def confidence(self, scores: np.ndarray, features: np.ndarray, top: int | None = None) -> float:
        """Probability that the best-scoring candidate (or candidate ``top``) is the right answer."""
        if not len(scores):
            return 0.0
        summary = self.summary(scores, features, top)
        return float(_sigmoid(np.array(self.calibrator_.logit(summary[None, :])[0])))

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """Per-candidate probability from the ranker alone (used to find close runners-up)."""
        return _sigmoid(scores)
