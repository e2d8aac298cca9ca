"""The hybrid retriever: BM25 on words, TF-IDF on character n-grams, fuzzy matching.

``HybridRetriever.fit(docs)`` indexes a list of :class:`Doc` (knowledge entries and intent
examples alike); ``candidates(query)`` returns the best candidates with one row of features
each, which :mod:`helpbot.fusion` turns into a ranking and a calibrated confidence.

Cost per query: two sparse column sums (BM25 over single questions and over whole entries), one
sparse row selection (character n-grams), then fuzzy matching only over the candidates' own
questions, never over the whole base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse

from helpbot.bm25 import BM25
from helpbot.chargrams import CharTfidf
from helpbot.text import Analyzer


@dataclass(frozen=True)
class Doc:
    """What the retriever indexes of one answerable item (an entry or an intent)."""

    key: str
    title: str
    questions: tuple[str, ...]
    body: str = ""
    tags: tuple[str, ...] = ()


FEATURES = (
    "bm25_question", "bm25_question_rel", "bm25_all", "bm25_all_rel", "bm25_body", "bm25_body_rel",
    "char_question", "char_question_gap", "fuzzy_wratio", "fuzzy_token_set", "coverage", "idf_coverage",
    "rank_bm25", "rank_char", "query_known", "query_terms", "classifier", "classifier_gap", "rank_classifier",
)


@dataclass(frozen=True)
class Candidates:
    """The candidate docs of one query and their feature rows (``FEATURES`` order)."""

    indices: np.ndarray
    features: np.ndarray
    normalised_query: str


class HybridRetriever:
    def __init__(
        self,
        analyzer: Analyzer,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        n_candidates: int = 12,
        classifier_max_docs: int = 1000,
    ) -> None:
        self.analyzer = analyzer
        self.k1 = k1
        self.b = b
        self.n_candidates = n_candidates
        # A linear classifier over all docs costs docs x features of memory; above this many
        # docs (a very large help center) it is skipped and its features read zero.
        self.classifier_max_docs = classifier_max_docs

    def fit(self, docs: Sequence[Doc]) -> HybridRetriever:
        if not docs:
            raise ValueError("HybridRetriever.fit needs at least one document")
        norm = self.analyzer.normalise
        question_texts: list[str] = []
        starts: list[int] = []
        for doc in docs:
            starts.append(len(question_texts))
            question_texts.extend(norm(t) for t in (doc.title, *doc.questions))
        owner = np.repeat(np.arange(len(docs)), np.diff([*starts, len(question_texts)]))
        terms = self.analyzer.terms_of_normalised
        question_terms = [terms(t) for t in question_texts]
        all_terms = [
            [t for i in range(s, e) for t in question_terms[i]] + terms(norm(" ".join(d.tags)))
            for d, s, e in zip(docs, starts, [*starts[1:], len(question_texts)])
        ]
        body_terms = [terms(norm(" ".join((d.title, d.body, *d.tags)))) for d in docs]
        self.docs_ = list(docs)
        self.starts_ = np.asarray(starts, dtype=np.int64)
        self.owner_ = owner
        self.question_texts_ = question_texts
        self.bm25_question_ = BM25(k1=self.k1, b=self.b).fit(question_terms)
        self.bm25_all_ = BM25(k1=self.k1, b=self.b).fit(all_terms)
        self.bm25_body_ = BM25(k1=self.k1, b=self.b).fit(body_terms)
        self.char_ = CharTfidf().fit(question_texts)
        self.term_sets_ = [frozenset(a) | frozenset(b) for a, b in zip(all_terms, body_terms)]
        idf = self.bm25_all_.idf_
        self.term_idf_ = {t: float(idf[i]) for t, i in self.bm25_all_.vocabulary_.items()}
        self.max_idf_ = float(idf.max()) if len(idf) else 1.0
        self.classifier_ = None
        if 2 <= len(docs) <= self.classifier_max_docs:
            self.classifier_ = LinearClassifier().fit(self.char_.matrix_, self._word_matrix(question_terms), owner)
        return self

    def _word_vector(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        cols, counts = self.bm25_question_.query_vector(terms)
        if not len(cols):
            return cols, counts
        weights = (1.0 + np.log(counts)) * self.bm25_question_.idf_[cols]
        return cols, weights / np.sqrt(weights @ weights)

    def _word_matrix(self, question_terms: list[list[str]]):
        rows, cols, vals = [], [], []
        for row, terms in enumerate(question_terms):
            c, w = self._word_vector(terms)
            rows.extend([row] * len(c))
            cols.extend(c.tolist())
            vals.extend(w.tolist())
        shape = (len(question_terms), len(self.bm25_question_.vocabulary_))
        return sparse.csr_matrix((vals, (rows, cols)), shape=shape)

    def _per_doc_max(self, question_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(question_scores, self.starts_)

    def candidates(self, query: str) -> Candidates:
        normalised = self.analyzer.normalise(query)
        query_terms = self.analyzer.terms_of_normalised(normalised)
        question_bm25 = self.bm25_question_.scores(query_terms)
        question_char = self.char_.similarities(normalised)
        bm25_question = self._per_doc_max(question_bm25)
        char_question = self._per_doc_max(question_char)
        bm25_all = self.bm25_all_.scores(query_terms)
        k = min(self.n_candidates, len(self.docs_))
        pool = np.union1d(_top(bm25_all + bm25_question, k), _top(char_question, k))
        if self.classifier_ is not None:
            classifier = self.classifier_.scores(self.char_.transform_one(normalised), self._word_vector(query_terms))
            pool = np.union1d(pool, _top(classifier, k))
        else:
            classifier = np.zeros(len(self.docs_))
        bm25_body = self.bm25_body_.scores(query_terms)[pool]

        unique_terms = set(query_terms)
        known = [t for t in unique_terms if t in self.term_idf_]
        query_known = len(known) / len(unique_terms) if unique_terms else 0.0
        total_idf = sum(self.term_idf_.get(t, self.max_idf_) for t in unique_terms) or 1.0

        rank_bm25 = _ranks(bm25_all[pool] + bm25_question[pool])
        rank_char = _ranks(char_question[pool])
        rank_classifier = _ranks(classifier[pool])
        rows = np.zeros((len(pool), len(FEATURES)), dtype=np.float64)
        for row, doc_index in enumerate(pool):
            wratio, token_set = self._fuzzy(normalised, int(doc_index), question_bm25, question_char)
            terms = self.term_sets_[doc_index]
            matched = [t for t in unique_terms if t in terms]
            rows[row] = (
                bm25_question[doc_index], 0.0, bm25_all[doc_index], 0.0, bm25_body[row], 0.0,
                char_question[doc_index], 0.0, wratio, token_set,
                len(matched) / len(unique_terms) if unique_terms else 0.0,
                sum(self.term_idf_.get(t, self.max_idf_) for t in matched) / total_idf,
                1.0 / (1.0 + rank_bm25[row]), 1.0 / (1.0 + rank_char[row]),
                query_known, np.log1p(len(unique_terms)),
                classifier[doc_index], 0.0, 1.0 / (1.0 + rank_classifier[row]),
            )
        for col in (0, 2, 4):
            top = rows[:, col].max()
            rows[:, col + 1] = rows[:, col] / top if top > 0 else 0.0
            rows[:, col] = np.log1p(rows[:, col])
        rows[:, 7] = rows[:, 6] - rows[:, 6].max()
        rows[:, 17] = rows[:, 16] - rows[:, 16].max()
        return Candidates(pool, rows, normalised)

    def _question_range(self, doc_index: int) -> tuple[int, int]:
        start = int(self.starts_[doc_index])
        end = int(self.starts_[doc_index + 1]) if doc_index + 1 < len(self.starts_) else len(self.question_texts_)
        return start, end

    def _fuzzy(
        self, normalised_query: str, doc_index: int, question_bm25: np.ndarray, question_char: np.ndarray
    ) -> tuple[float, float]:
        """Fuzzy similarity to the doc's two most promising questions only: the best by BM25 and
        the best by character n-grams. An intent with a hundred examples costs two comparisons."""
        start, end = self._question_range(doc_index)
        picks = {start + int(np.argmax(question_bm25[start:end])), start + int(np.argmax(question_char[start:end]))}
        wratio = token_set = 0.0
        for i in picks:
            text = self.question_texts_[i]
            wratio = max(wratio, fuzz.WRatio(normalised_query, text))
            token_set = max(token_set, fuzz.token_set_ratio(normalised_query, text))
        return wratio / 100.0, token_set / 100.0

    def lexical_scores(self, query: str, method: str) -> np.ndarray:
        """One signal alone over every doc, for the ablation table: bm25 | tfidf | fuzzy."""
        normalised = self.analyzer.normalise(query)
        if method == "bm25":
            terms = self.analyzer.terms_of_normalised(normalised)
            return self.bm25_all_.scores(terms) + self._per_doc_max(self.bm25_question_.scores(terms))
        if method == "tfidf":
            return self._per_doc_max(self.char_.similarities(normalised))
        if method == "fuzzy":
            best = np.zeros(len(self.docs_))
            for i, text in enumerate(self.question_texts_):
                best[self.owner_[i]] = max(best[self.owner_[i]], fuzz.WRatio(normalised, text) / 100.0)
            return best
        raise ValueError(f"Unknown method {method!r}. Choose from 'bm25', 'tfidf', 'fuzzy'.")


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if k >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(-scores, k - 1)[:k]


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the largest value; ties keep document order so results are deterministic."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values))
    return ranks


class LinearClassifier:
    """A linear SVM over character and word TF-IDF of the example questions: one weight vector
    per doc, so a query scores every doc with two small sparse-by-dense products."""

    def __init__(self, *, c: float = 1.0) -> None:
        self.c = c

    def fit(self, char_matrix, word_matrix, labels: np.ndarray) -> LinearClassifier:
        from sklearn.svm import LinearSVC  # fit time only

        features = sparse.hstack([char_matrix, word_matrix]).tocsr()
        model = LinearSVC(C=self.c).fit(features, labels)
        coef = model.coef_ if len(model.classes_) > 2 else np.vstack([-model.coef_[0], model.coef_[0]])
        intercept = model.intercept_ if len(model.classes_) > 2 else np.array([-model.intercept_[0],
                                                                              model.intercept_[0]])
        n_docs = int(labels.max()) + 1
        # Columns per doc in doc order; a doc absent from the labels (no questions) never wins.
        full = np.full((n_docs, coef.shape[1]), 0.0, dtype=np.float32)
        bias = np.full(n_docs, -1e3, dtype=np.float64)
        full[model.classes_] = coef
        bias[model.classes_] = intercept
        n_char = char_matrix.shape[1]
        self.char_coef_t_ = np.ascontiguousarray(full[:, :n_char].T)
        self.word_coef_t_ = np.ascontiguousarray(full[:, n_char:].T)
        self.intercept_ = bias
        return self

    def scores(self, char_vector: tuple[np.ndarray, np.ndarray], word_vector: tuple[np.ndarray, np.ndarray]):
        cols, weights = char_vector
        score = self.intercept_.copy()
        if len(cols):
            score += weights @ self.char_coef_t_[cols]
        cols, weights = word_vector
        if len(cols):
            score += weights @ self.word_coef_t_[cols]
        return score
