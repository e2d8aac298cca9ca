"""TF-IDF over character n-grams, for misspellings ("recieve", "paymnet") that words miss.

scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` learns the vocabulary and IDF at fit
time; a query is then vectorised here with plain Python and numpy, which gives the same vector
(the tests check it) without the vectoriser's per-call overhead or importing scikit-learn on the
query path.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams of sklearn's ``char_wb`` analyzer: within words padded by one space."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(min_n, max_n + 1):
            if length <= n:
                grams.append(padded)  # a short word counts once, as in scikit-learn
                break
            grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams


_WORD = re.compile(r"[a-z0-9]+")


def word_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Word n-grams of already normalised text (runs of letters and digits)."""
    words = _WORD.findall(text)
    return [" ".join(words[i : i + n]) for n in range(min_n, max_n + 1) for i in range(len(words) - n + 1)]


ANALYZERS = {"char_wb": char_wb_ngrams, "word": word_ngrams}


class CharTfidf:
    """TF-IDF over n-grams: characters within words (default) or words (``analyzer="word"``)."""

    def __init__(
        self, *, ngram_range: tuple[int, int] = (2, 4), sublinear_tf: bool = True, analyzer: str = "char_wb"
    ) -> None:
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.analyzer = analyzer

    def _grams(self, text: str) -> list[str]:
        return ANALYZERS[self.analyzer](text, *self.ngram_range)

    def fit(self, texts: Sequence[str]) -> CharTfidf:
        from sklearn.feature_extraction.text import TfidfVectorizer  # fit time only

        # Our own analyzer at fit time too, so a query is split exactly as the texts were.
        vectorizer = TfidfVectorizer(analyzer=self._grams, sublinear_tf=self.sublinear_tf, dtype=np.float64)
        # float32: similarities are features, not oracles; it halves the largest index.
        self.matrix_ = sparse.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)
        self.vocabulary_ = {gram: int(i) for gram, i in vectorizer.vocabulary_.items()}
        self.idf_ = np.asarray(vectorizer.idf_, dtype=np.float64)
        # Transposed once so that scoring a query is a sparse row selection and a dense product.
        self.matrix_t_ = sparse.csr_matrix(self.matrix_.T)
        self.n_texts_ = self.matrix_.shape[0]
        return self

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's (column indices, L2-normalised weights); unknown n-grams are dropped."""
        counts = Counter(self.vocabulary_[g] for g in self._grams(text) if g in self.vocabulary_)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
        weights = tf * self.idf_[cols]
        return cols, weights / math.sqrt(float(weights @ weights))

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of the query to every fitted text."""
        cols, weights = self.transform_one(text)
        if not len(cols):
            return np.zeros(self.n_texts_, dtype=np.float64)
        return np.asarray(self.matrix_t_[cols].T @ weights, dtype=np.float64)

    def drop_rows(self) -> None:
        """Forget the texts x grams copy once nothing needs it (the classifier has been fit)."""
        self.matrix_ = None

    def drop_matrices(self) -> None:
        """Keep only what vectorising a query needs (vocabulary and IDF)."""
        self.matrix_ = self.matrix_t_ = None
