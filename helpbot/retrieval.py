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
    "rank_bm25", "rank_char", "query_known", "query_terms",
)


@dataclass(frozen=True)
class Candidates:
    """The candidate docs of one query and their feature rows (``FEATURES`` order)."""

    indices: np.ndarray
    features: np.ndarray
    normalised_query: str


class HybridRetriever:
    def __init__(self, analyzer: Analyzer, *, k1: float = 1.2, b: float = 0.75, n_candidates: int = 12) -> None:
        self.analyzer = analyzer
        self.k1 = k1
        self.b = b
        self.n_candidates = n_candidates

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
        return self

    def _per_doc_max(self, question_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(question_scores, self.starts_)

    def candidates(self, query: str) -> Candidates:
        normalised = self.analyzer.normalise(query)
        query_terms = self.analyzer.terms_of_normalised(normalised)
        bm25_question = self._per_doc_max(self.bm25_question_.scores(query_terms))
        bm25_all = self.bm25_all_.scores(query_terms)
        char_question = self._per_doc_max(self.char_.similarities(normalised))
        n = len(self.docs_)
        k = min(self.n_candidates, n)
        pool = np.union1d(_top(bm25_all + bm25_question, k), _top(char_question, k))
        bm25_body = self.bm25_body_.scores(query_terms)[pool]

        unique_terms = set(query_terms)
        known = [t for t in unique_terms if t in self.term_idf_]
        query_known = len(known) / len(unique_terms) if unique_terms else 0.0
        total_idf = sum(self.term_idf_.get(t, self.max_idf_) for t in unique_terms) or 1.0

        rank_bm25 = _ranks(bm25_all[pool] + bm25_question[pool])
        rank_char = _ranks(char_question[pool])
        rows = np.zeros((len(pool), len(FEATURES)), dtype=np.float64)
        for row, doc_index in enumerate(pool):
            wratio, token_set = self._fuzzy(normalised, int(doc_index))
            terms = self.term_sets_[doc_index]
            matched = [t for t in unique_terms if t in terms]
            rows[row] = (
                bm25_question[doc_index], 0.0, bm25_all[doc_index], 0.0, bm25_body[row], 0.0,
                char_question[doc_index], 0.0, wratio, token_set,
                len(matched) / len(unique_terms) if unique_terms else 0.0,
                sum(self.term_idf_.get(t, self.max_idf_) for t in matched) / total_idf,
                1.0 / (1.0 + rank_bm25[row]), 1.0 / (1.0 + rank_char[row]),
                query_known, np.log1p(len(unique_terms)),
            )
        for col in (0, 2, 4):
            top = rows[:, col].max()
            rows[:, col + 1] = rows[:, col] / top if top > 0 else 0.0
            rows[:, col] = np.log1p(rows[:, col])
        rows[:, 7] = rows[:, 6] - rows[:, 6].max()
        return Candidates(pool, rows, normalised)

    def _fuzzy(self, normalised_query: str, doc_index: int) -> tuple[float, float]:
        start = self.starts_[doc_index]
        end = self.starts_[doc_index + 1] if doc_index + 1 < len(self.starts_) else len(self.question_texts_)
        wratio = token_set = 0.0
        for text in self.question_texts_[start:end]:
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
            return np.array([self._fuzzy(normalised, i)[0] for i in range(len(self.docs_))])
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
