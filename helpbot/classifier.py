"""A linear classifier over the example questions: one weight vector per doc.

A linear SVM over character (2-5) and word (1-2) n-gram TF-IDF of the stored questions and, when
the embedding stage is on, the questions' sentence vectors as dense columns beside them: the
n-grams catch the words a base uses, the vectors what its questions mean. A query scores every doc
with two sparse-by-dense products and one dense one.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from helpbot.chargrams import CharTfidf


class LinearClassifier:
    def __init__(self, *, c: float = 1.0, vector_weight: float = 1.0) -> None:
        self.c = c
        # How much the dense vector columns weigh against the two unit-length TF-IDF blocks.
        self.vector_weight = vector_weight

    def fit(self, texts: Sequence[str], labels: np.ndarray, vectors: np.ndarray | None = None) -> LinearClassifier:
        from sklearn.svm import LinearSVC  # fit time only

        self.char_ = CharTfidf(ngram_range=(2, 5)).fit(texts)
        self.word_ = CharTfidf(ngram_range=(1, 2), analyzer="word").fit(texts)
        blocks = [self.char_.matrix_, self.word_.matrix_]
        if vectors is not None:
            blocks.append(sparse.csr_matrix(np.asarray(vectors, dtype=np.float64) * self.vector_weight))
        features = sparse.hstack(blocks).tocsr()
        self.char_.drop_matrices()
        self.word_.drop_matrices()
        with warnings.catch_warnings():
            # One example per doc (a base whose entries have only a title) is a valid case here.
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
            model = LinearSVC(C=self.c, random_state=0).fit(features, labels)  # deterministic builds
        coef = model.coef_ if len(model.classes_) > 2 else np.vstack([-model.coef_[0], model.coef_[0]])
        intercept = model.intercept_ if len(model.classes_) > 2 else np.array([-model.intercept_[0],
                                                                              model.intercept_[0]])
        n_docs = int(labels.max()) + 1
        # Columns per doc in doc order; a doc absent from the labels (no questions) never wins.
        full = np.zeros((n_docs, coef.shape[1]), dtype=np.float32)
        bias = np.full(n_docs, -1e3, dtype=np.float64)
        full[model.classes_] = coef
        bias[model.classes_] = intercept
        n_char, n_word = len(self.char_.vocabulary_), len(self.word_.vocabulary_)
        self.char_coef_t_ = np.ascontiguousarray(full[:, :n_char].T)
        self.word_coef_t_ = np.ascontiguousarray(full[:, n_char:n_char + n_word].T)
        self.vector_coef_t_ = (np.ascontiguousarray(full[:, n_char + n_word:].T * self.vector_weight)
                               if vectors is not None else None)
        self.intercept_ = bias
        return self

    def scores(self, normalised: str, vector: np.ndarray | None = None) -> np.ndarray:
        score = self.intercept_.copy()
        for vectorizer, coef_t in ((self.char_, self.char_coef_t_), (self.word_, self.word_coef_t_)):
            cols, weights = vectorizer.transform_one(normalised)
            if len(cols):
                score += weights @ coef_t[cols]
        if self.vector_coef_t_ is not None and vector is not None:
            score += vector @ self.vector_coef_t_
        return score
