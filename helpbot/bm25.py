"""BM25 as a sparse documents x terms matrix: weights computed once, a query sums columns.

Two IDF variants:

* ``"lucene"`` (default): ``log(1 + (N - n + 0.5) / (n + 0.5))``, always positive. On a small
  corpus (a help center of a few hundred entries, or a 77-intent benchmark) a useful term such
  as "order" can occur in half the documents or more; Okapi's IDF then turns zero or negative and
  a document *containing* the query term would score lower than one without it.
* ``"okapi"``: rank-bm25's ``BM25Okapi`` exactly, including its floor of ``epsilon`` times the
  mean IDF for negative values; kept so the tests can compare against rank-bm25 as an oracle.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

IDF_VARIANTS = ("lucene", "okapi")


class BM25:
    def __init__(self, *, k1: float = 1.5, b: float = 0.75, idf: str = "lucene", epsilon: float = 0.25) -> None:
        if idf not in IDF_VARIANTS:
            raise ValueError(f"Invalid idf value: {idf!r}. Choose from {', '.join(map(repr, IDF_VARIANTS))}.")
        self.k1 = k1
        self.b = b
        self.idf = idf
        self.epsilon = epsilon

    def fit(self, documents: Sequence[Sequence[str]]) -> BM25:
        vocabulary: dict[str, int] = {}
        lengths = np.fromiter((len(d) for d in documents), dtype=np.float64, count=len(documents))
        # Term ids of every token in one flat array; duplicates (row, term) are summed into term
        # frequencies by the sparse constructor, with no Counter per document.
        flat = np.fromiter(
            (vocabulary.setdefault(t, len(vocabulary)) for d in documents for t in d),
            dtype=np.int64, count=int(lengths.sum()),
        )
        owners = np.repeat(np.arange(len(documents), dtype=np.int64), lengths.astype(np.int64))
        counts = sparse.coo_matrix(
            (np.ones(len(flat)), (owners, flat)), shape=(len(documents), len(vocabulary))
        ).tocsr()
        counts.sum_duplicates()
        rows_a = np.repeat(np.arange(len(documents), dtype=np.int64), np.diff(counts.indptr))
        cols_a = counts.indices.astype(np.int64)
        tf_a = counts.data
        n_docs = len(documents)
        doc_freq = np.bincount(cols_a, minlength=len(vocabulary)).astype(np.float64)
        self.idf_ = self._idf(doc_freq, n_docs)
        avgdl = lengths.sum() / n_docs if n_docs else 0.0
        norm = self.k1 * (1 - self.b + self.b * lengths[rows_a] / avgdl) if avgdl else np.full_like(tf_a, self.k1)
        weights = self.idf_[cols_a] * tf_a * (self.k1 + 1) / (tf_a + norm)
        # CSC: a query touches a handful of columns, and column slices are cheap in CSC.
        self.matrix_ = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n_docs, len(vocabulary)))
        self.vocabulary_ = vocabulary
        self.n_docs_ = n_docs
        return self

    def _idf(self, doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
        if self.idf == "lucene":
            return np.log1p((n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        # rank-bm25 computes math.log(N - n + 0.5) - math.log(n + 0.5) term by term; do the same
        # (not np.log of a ratio) so the two agree to the last bit.
        idf = np.array([math.log(n_docs - n + 0.5) - math.log(n + 0.5) for n in doc_freq], dtype=np.float64)
        average = idf.sum() / len(idf) if len(idf) else 0.0
        idf[idf < 0] = self.epsilon * average
        return idf

    def query_vector(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column indices of the known query terms and how often each occurs in the query."""
        counts = Counter(self.vocabulary_[t] for t in tokens if t in self.vocabulary_)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        return cols, weights

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query, in document order."""
        cols, weights = self.query_vector(tokens)
        if not len(cols):
            return np.zeros(self.n_docs_, dtype=np.float64)
        # Read the query's columns straight out of the CSC arrays and sum them with one
        # bincount: no intermediate sparse matrix, which matters at hundreds of thousands of docs.
        indptr, indices, data = self.matrix_.indptr, self.matrix_.indices, self.matrix_.data
        spans = [(indptr[c], indptr[c + 1], w) for c, w in zip(cols, weights)]
        rows = np.concatenate([indices[a:b] for a, b, _ in spans])
        values = np.concatenate([data[a:b] * w for a, b, w in spans])
        return np.bincount(rows, weights=values, minlength=self.n_docs_)
