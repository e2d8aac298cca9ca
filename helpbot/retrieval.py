"""The hybrid retriever: BM25 on words, TF-IDF on character n-grams, fuzzy matching, a linear
classifier, and sentence embeddings.

(This module is longer than 300 lines because fitting and the per-query features share a dozen
arrays of the fitted state; split apart, each half would have to pass all of them around.)

``HybridRetriever.fit(docs)`` indexes a list of :class:`Doc` (knowledge entries and intent
examples alike); ``candidates(query)`` returns the best candidates with one row of features
each, which :mod:`helpbot.fusion` turns into a ranking and a calibrated confidence.

Cost per query: two sparse column sums (BM25 over single questions and over whole entries), one
sparse row selection (character n-grams; on a very large base only over the best BM25 docs), one
encoder run and one matrix-vector product (embeddings), then fuzzy matching only over the
candidates' own questions, never over the whole base. A query that is word for word a stored
question or title (after normalisation) reuses that text's stored vector instead of running the
encoder: its features are then exactly those the encoder would give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from helpbot.bm25 import BM25
from helpbot.chargrams import CharTfidf
from helpbot.classifier import LinearClassifier
from helpbot.embeddings import Encoder
from helpbot.semantic import SemanticIndex, VectorTable, passages
from helpbot.text import Analyzer, stem

_WORDS = re.compile(r"[a-z0-9]+")


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
    "emb_question", "emb_question_gap", "rank_emb_question", "emb_passage", "emb_passage_gap", "rank_emb_passage",
)
# Features that describe the query, not the match: the same for every candidate of a query. All
# others are evidence of a match, and the fusion may only weigh them up (see helpbot.fusion).
QUERY_FEATURES = ("query_known", "query_terms")


def exact_key(normalised: str) -> str:
    """What two texts share when one is the other "word for word": their words, in order."""
    return " ".join(_WORDS.findall(normalised))


@dataclass(frozen=True)
class Candidates:
    """The candidate docs of one query and their feature rows (``FEATURES`` order).

    ``exact``: the docs holding the query word for word as a title or question (usually none);
    ``encoded``: whether the sentence encoder ran for this query.
    """

    indices: np.ndarray
    features: np.ndarray
    exact: tuple[int, ...] = ()
    encoded: bool = False


class HybridRetriever:
    def __init__(
        self,
        analyzer: Analyzer,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        n_candidates: int = 8,
        classifier_max_docs: int = 1000,
        full_char_max_texts: int = 100_000,
        shortlist: int = 64,
        spelling_max_words: int = 50_000,
        encoder: Encoder | None = None,
        classifier_vectors: bool = False,
        classifier_vector_weight: float = 1.0,
    ) -> None:
        self.analyzer = analyzer
        self.k1 = k1
        self.b = b
        self.n_candidates = n_candidates
        # A linear classifier over all docs costs docs x features of memory; above this many
        # docs (a very large help center) it is skipped and its features read zero.
        self.classifier_max_docs = classifier_max_docs
        # Up to this many stored questions every query gets TF-IDF character similarities to all
        # of them (misspellings that share no word still find their entry). Beyond it no
        # character index is kept (it would be the largest part of memory and build time): the
        # questions of the ``shortlist`` best BM25 docs are compared character by character
        # with rapidfuzz instead, so the cost stays flat with size.
        self.full_char_max_texts = full_char_max_texts
        self.shortlist = shortlist
        # A query word the base never uses ("reveiw", "paymnet") is read as the closest word it
        # does use, when one is close enough; above this vocabulary size the look-up costs too
        # much and only the character features catch misspellings.
        self.spelling_max_words = spelling_max_words
        # The sentence-embedding stage (None: off, the lexical engine alone). Its vectors come
        # from ``fit(..., vectors=)``, computed once per build for every retriever of that build.
        self.encoder = encoder
        # The classifier also reads the questions' vectors (when the stage is on): worth it when
        # every doc has many phrasings (a linear model over 384 dense dimensions needs them);
        # helpbot.index switches it on for such bases.
        self.classifier_vectors = classifier_vectors
        self.classifier_vector_weight = classifier_vector_weight

    def fit(self, docs: Sequence[Doc], vectors: VectorTable | None = None) -> HybridRetriever:
        if not docs:
            raise ValueError("HybridRetriever.fit needs at least one document")
        if self.encoder is not None and vectors is None:
            raise ValueError("HybridRetriever.fit needs vectors= when an encoder is set; see helpbot.index")
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
        self.exact_: dict[str, list[int]] = {}
        for row, text in enumerate(question_texts):
            self.exact_.setdefault(exact_key(text), []).append(row)
        self.bm25_question_ = BM25(k1=self.k1, b=self.b).fit(question_terms)
        self.bm25_all_ = BM25(k1=self.k1, b=self.b).fit(all_terms)
        self.bm25_body_ = BM25(k1=self.k1, b=self.b).fit(body_terms)
        vocabulary = {w for t in question_texts for w in self.analyzer.words(t)}
        vocabulary |= {w for d in docs for w in self.analyzer.words(norm(d.body))}
        self.known_words_ = frozenset(vocabulary)
        self.spelling_words_ = sorted(w for w in vocabulary if len(w) >= 4 and not w.isdigit())
        if len(self.spelling_words_) > self.spelling_max_words:
            self.spelling_words_ = []
        self.full_char_ = len(question_texts) <= self.full_char_max_texts
        self.char_ = CharTfidf().fit(question_texts) if self.full_char_ else None
        self._fit_term_matrix(all_terms, body_terms)
        self.semantic_ = None
        question_vectors = None
        if self.encoder is not None:
            raw_questions = [t for d in docs for t in (d.title, *d.questions)]
            question_vectors = vectors.rows(raw_questions)
            bodies = [(i, p) for i, d in enumerate(docs) for p in passages(d.body)]
            self.semantic_ = SemanticIndex().fit(
                question_vectors, self.starts_, vectors.rows([p for _, p in bodies]),
                np.array([i for i, _ in bodies], dtype=np.int64), len(docs))
        self.classifier_ = None
        if self.char_ is not None and 2 <= len(docs) <= self.classifier_max_docs:
            self.classifier_ = LinearClassifier(vector_weight=self.classifier_vector_weight).fit(
                question_texts, owner, question_vectors if self.classifier_vectors else None)
        if self.char_ is not None:
            self.char_.drop_rows()
        return self

    def _fit_term_matrix(self, all_terms: list[list[str]], body_terms: list[list[str]]) -> None:
        """Which terms each doc holds anywhere (a sparse 0/1 docs x terms matrix) and their IDF,
        for the coverage features; far smaller than a Python set per doc."""
        vocabulary = dict(self.bm25_all_.vocabulary_)
        rows: list[int] = []
        cols: list[int] = []
        for row, (a, b) in enumerate(zip(all_terms, body_terms)):
            ids = {vocabulary.setdefault(t, len(vocabulary)) for t in (*a, *b)}
            rows.extend([row] * len(ids))
            cols.extend(ids)
        shape = (len(all_terms), len(vocabulary))
        self.doc_terms_ = sparse.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=shape)
        self.doc_terms_.sort_indices()
        idf = self.bm25_all_.idf_
        self.max_idf_ = float(idf.max()) if len(idf) else 1.0
        # Terms only in answers are rarer than any question term: give them the largest IDF.
        self.term_idf_ = np.full(len(vocabulary), self.max_idf_)
        self.term_idf_[: len(idf)] = idf
        self.term_ids_ = vocabulary

    def query_terms(self, normalised: str) -> list[str]:
        """Stemmed query terms, each unknown word of 4+ letters read as its closest known word."""
        terms = []
        for word in self.analyzer.words(normalised):
            if word not in self.known_words_ and len(word) >= 4 and not word.isdigit() and self.spelling_words_:
                match = process.extractOne(word, self.spelling_words_, scorer=fuzz.ratio, score_cutoff=80)
                if match:
                    word = match[0]
            terms.append(stem(word))
        return terms

    def _per_doc_max(self, question_scores: np.ndarray) -> np.ndarray:
        """Each doc's best question score. Most questions share no word with a query, so on a
        large base scattering the few non-zero scores beats reducing over all of them."""
        nonzero = np.flatnonzero(question_scores)
        if len(nonzero) * 8 > len(question_scores):
            return np.maximum.reduceat(question_scores, self.starts_)
        best = np.zeros(len(self.starts_))
        np.maximum.at(best, self.owner_[nonzero], question_scores[nonzero])
        return best

    def exact_docs(self, normalised: str) -> tuple[int, ...]:
        """Docs that hold the (normalised) query word for word as a title or question."""
        rows = self.exact_.get(exact_key(normalised), ())
        return tuple(sorted({int(self.owner_[r]) for r in rows}))

    def query_vector(self, query: str, normalised: str) -> tuple[np.ndarray, bool]:
        """The query's sentence vector, and whether the encoder had to run for it."""
        rows = self.exact_.get(exact_key(normalised))
        if rows:
            return self.semantic_.questions_[rows[0]], False
        return self.encoder.encode(query), True

    def _start_vector(self, query: str, normalised: str) -> Future:
        """The query vector, computed on another thread while the lexical signals run here: the
        encoder releases the GIL, so on two cores the two costs overlap instead of adding up."""
        rows = self.exact_.get(exact_key(normalised))
        done: Future = Future()
        if rows:
            done.set_result((self.semantic_.questions_[rows[0]], False))
            return done
        return self.encoder.encode_later(query)

    def candidates(self, query: str, vector: np.ndarray | None = None) -> Candidates:
        """Candidates and features of one query; ``vector``: its sentence vector, when known."""
        normalised = self.analyzer.normalise(query)
        query_terms = self.query_terms(normalised)
        encoded = False
        pending = self._start_vector(query, normalised) if self.semantic_ is not None and vector is None else None
        question_bm25 = self.bm25_question_.scores(query_terms)
        bm25_all = self.bm25_all_.scores(query_terms)
        k = min(self.n_candidates, len(self.docs_))
        if self.full_char_:
            bm25_question = self._per_doc_max(question_bm25)
            question_char = self.char_.similarities(normalised)
            char_question = self._per_doc_max(question_char)
        else:
            bm25_question, question_char, char_question = self._shortlist_scores(normalised, bm25_all, question_bm25)
        pool = np.union1d(_top(bm25_all + bm25_question, k), _top(char_question, k))
        if pending is not None and self.classifier_ is not None and self.classifier_.vector_coef_t_ is not None:
            vector, encoded = pending.result()
            pending = None
        if self.classifier_ is not None:
            classifier = self.classifier_.scores(normalised, vector)
            pool = np.union1d(pool, _top(classifier, k))
        else:
            classifier = np.zeros(len(self.docs_))
        if pending is not None:
            vector, encoded = pending.result()
        if self.semantic_ is not None:
            _, emb_question, emb_passage = self.semantic_.scores(vector)
            pool = np.union1d(pool, np.union1d(_top(emb_question, k), _top(emb_passage, k)))
        else:
            emb_question = emb_passage = np.zeros(len(self.docs_))
        exact = self.exact_docs(normalised)
        if exact:  # an exact stored phrasing is always a candidate, however large the base
            pool = np.union1d(pool, np.asarray(exact, dtype=np.int64))
        bm25_body = self.bm25_body_.scores(query_terms)[pool]

        query_ids = np.array(sorted({self.term_ids_.get(t, -1) for t in query_terms}), dtype=np.int64)
        n_unique = len(set(query_terms))
        known = query_ids[query_ids >= 0]
        query_known = len(known) / n_unique if n_unique else 0.0
        total_idf = float(self.term_idf_[known].sum() + self.max_idf_ * (n_unique - len(known))) or 1.0

        rank_bm25 = _ranks(bm25_all[pool] + bm25_question[pool])
        rank_char = _ranks(char_question[pool])
        rank_classifier = _ranks(classifier[pool])
        wratio, token_set = self._fuzzy(normalised, pool, question_bm25, question_char)
        # Which of the query's known terms each candidate holds: one sparse slice, not a loop.
        held = self.doc_terms_[pool][:, known] if len(known) else None
        matched_count = held.getnnz(axis=1) if held is not None else np.zeros(len(pool))
        matched_idf = held @ self.term_idf_[known] if held is not None else np.zeros(len(pool))
        rows = np.column_stack([
            bm25_question[pool], np.zeros(len(pool)), bm25_all[pool], np.zeros(len(pool)), bm25_body,
            np.zeros(len(pool)), char_question[pool], np.zeros(len(pool)), wratio, token_set,
            matched_count / n_unique if n_unique else np.zeros(len(pool)),
            matched_idf / total_idf,
            1.0 / (1.0 + rank_bm25), 1.0 / (1.0 + rank_char),
            np.full(len(pool), query_known), np.full(len(pool), np.log1p(n_unique)),
            classifier[pool], np.zeros(len(pool)), 1.0 / (1.0 + rank_classifier),
            emb_question[pool], emb_question[pool] - emb_question.max(), 1.0 / (1.0 + _ranks(emb_question[pool])),
            emb_passage[pool], emb_passage[pool] - emb_passage.max(), 1.0 / (1.0 + _ranks(emb_passage[pool])),
        ]).astype(np.float64)
        for col in (0, 2, 4):
            top = rows[:, col].max()
            rows[:, col + 1] = rows[:, col] / top if top > 0 else 0.0
            rows[:, col] = np.log1p(rows[:, col])
        rows[:, 7] = rows[:, 6] - rows[:, 6].max()
        rows[:, 17] = rows[:, 16] - rows[:, 16].max()
        if self.semantic_ is None:  # the stage is off: its columns say nothing
            rows[:, 19:25] = 0.0
        return Candidates(pool, rows, exact, encoded)

    def _shortlist_scores(
        self, normalised: str, bm25_all: np.ndarray, question_bm25: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Large bases: question-level and character scores for the ``shortlist`` best docs by
        whole-entry BM25 only (zero elsewhere, so the candidates come from the shortlist)."""
        shortlist = np.sort(_top(bm25_all, min(self.shortlist, len(self.docs_))))
        ranges = [self._question_range(int(d)) for d in shortlist]
        rows = np.concatenate([np.arange(a, b) for a, b in ranges])
        offsets = np.cumsum([0] + [b - a for a, b in ranges[:-1]])
        texts = [self.question_texts_[i] for i in rows]
        similarities = process.cdist([normalised], texts, scorer=fuzz.ratio, dtype=np.float32)[0] / 100.0
        question_char = np.zeros(len(self.question_texts_))
        question_char[rows] = similarities
        char_question = np.zeros(len(self.docs_))
        char_question[shortlist] = np.maximum.reduceat(similarities, offsets)
        bm25_question = np.zeros(len(self.docs_))
        bm25_question[shortlist] = np.maximum.reduceat(question_bm25[rows], offsets)
        return bm25_question, question_char, char_question

    def _question_range(self, doc_index: int) -> tuple[int, int]:
        start = int(self.starts_[doc_index])
        end = int(self.starts_[doc_index + 1]) if doc_index + 1 < len(self.starts_) else len(self.question_texts_)
        return start, end

    def _fuzzy(
        self, normalised_query: str, pool: np.ndarray, question_bm25: np.ndarray, question_char: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fuzzy similarity of each candidate: the best over its two most promising questions
        only (best by BM25, best by characters), so an intent with a hundred examples costs two
        comparisons; all candidates in two rapidfuzz calls."""
        picks: list[int] = []
        owners: list[int] = []
        for slot, doc_index in enumerate(pool):
            start, end = self._question_range(int(doc_index))
            for i in {start + int(np.argmax(question_bm25[start:end])), start + int(np.argmax(question_char[start:end]))}:
                picks.append(i)
                owners.append(slot)
        texts = [self.question_texts_[i] for i in picks]
        slots = np.asarray(owners)
        wratio = np.zeros(len(pool))
        token_set = np.zeros(len(pool))
        np.maximum.at(wratio, slots, process.cdist([normalised_query], texts, scorer=fuzz.WRatio)[0] / 100.0)
        np.maximum.at(token_set, slots, process.cdist([normalised_query], texts, scorer=fuzz.token_set_ratio)[0] / 100.0)
        return wratio, token_set

    def lexical_scores(self, query: str, method: str) -> np.ndarray:
        """One signal alone over every doc, for the ablation table: bm25 | tfidf | fuzzy | embeddings
        (best question cosine plus best passage cosine)."""
        normalised = self.analyzer.normalise(query)
        if method == "embeddings":
            if self.semantic_ is None:
                raise ValueError("The embedding stage is off for this index.")
            _, question, passage = self.semantic_.scores(self.query_vector(query, normalised)[0])
            return question + passage
        if method == "bm25":
            terms = self.analyzer.terms_of_normalised(normalised)
            return self.bm25_all_.scores(terms) + self._per_doc_max(self.bm25_question_.scores(terms))
        if method == "tfidf":
            if self.char_ is None:
                raise ValueError("No character TF-IDF index on a base this large (see full_char_max_texts).")
            return self._per_doc_max(self.char_.similarities(normalised))
        if method == "fuzzy":
            best = np.zeros(len(self.docs_))
            np.maximum.at(best, self.owner_, process.cdist([normalised], self.question_texts_, scorer=fuzz.WRatio)[0] / 100.0)
            return best
        raise ValueError(f"Unknown method {method!r}. Choose from 'bm25', 'tfidf', 'fuzzy', 'embeddings'.")


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
