"""The sentence-embedding signal of the hybrid: cosines between a query and every stored text.

Each doc contributes vectors for its title and questions and, for knowledge entries, for passages
of its answer: a long answer holds several facts (a fee, a limit, a button), and a question about
one of them is closer to the passage that states it than to the whole answer or to the title.
Per query: one matrix-vector product over all stored vectors, then the best cosine per doc.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from helpbot.embeddings import DIMENSIONS, prepare

PASSAGE_WORDS = 45  # about two sentences: small enough to be about one detail
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*\u2022])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"\u201c(])")


def passages(answer: str) -> list[str]:
    """The answer whole (its topic) and, when it is longer than one passage, its parts: each list
    item with the line that introduces it, and runs of sentences of about ``PASSAGE_WORDS`` words."""
    answer = answer.strip()
    if not answer:
        return []
    lines = [line.strip() for line in answer.splitlines() if line.strip()]
    chunks: list[str] = []
    lead = ""
    for line in lines:
        if _LIST_ITEM.match(line):
            chunks.append(f"{lead} {_LIST_ITEM.sub('', line)}".strip())
            continue
        lead = line if line.endswith(":") else ""
        if lead:
            continue
        chunks.extend(_sentence_runs(line))
    if len(chunks) <= 1:
        return [answer]
    return [answer, *chunks]


def _sentence_runs(line: str) -> list[str]:
    runs: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(line):
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= PASSAGE_WORDS:
            runs.append(" ".join(current))
            current = []
    if current:
        if runs and sum(len(s.split()) for s in current) < PASSAGE_WORDS // 3:
            runs[-1] = f"{runs[-1]} {' '.join(current)}"
        else:
            runs.append(" ".join(current))
    return runs


class VectorTable:
    """Vectors of prepared texts, computed once per build and shared by every retriever fitted
    during it (the out-of-fold ones included), so each text is encoded once."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.row_ = {t: i for i, t in enumerate(texts)}
        self.vectors_ = vectors

    def get(self, text: str) -> np.ndarray | None:
        row = self.row_.get(prepare(text))
        return None if row is None else self.vectors_[row]

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        return self.vectors_[[self.row_[prepare(t)] for t in texts]] if texts else np.zeros((0, DIMENSIONS),
                                                                                             np.float32)


def texts_to_encode(docs: Sequence, passages_of: Mapping[str, Sequence[str]]) -> list[str]:
    """Every distinct prepared text the docs need a vector for, in a stable order."""
    seen: dict[str, None] = {}
    for doc in docs:
        for text in (doc.title, *doc.questions, *passages_of.get(doc.key, ())):
            seen.setdefault(prepare(text), None)
    return list(seen)


class SemanticIndex:
    """Best cosine per doc over its questions (title included) and over its answer passages."""

    def fit(self, question_vectors: np.ndarray, question_starts: np.ndarray,
            passage_vectors: np.ndarray, passage_owner: np.ndarray, n_docs: int) -> SemanticIndex:
        self.questions_ = np.ascontiguousarray(question_vectors, dtype=np.float32)
        self.question_starts_ = np.asarray(question_starts, dtype=np.int64)
        order = np.argsort(passage_owner, kind="stable")
        self.passages_ = np.ascontiguousarray(passage_vectors[order], dtype=np.float32)
        owner = np.asarray(passage_owner)[order]
        self.has_passages_ = np.zeros(n_docs, dtype=bool)
        self.has_passages_[owner] = True
        self.passage_docs_ = np.flatnonzero(self.has_passages_)
        self.passage_starts_ = np.searchsorted(owner, self.passage_docs_) if len(owner) else np.zeros(0, np.int64)
        return self

    def scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-text question cosines, and per doc: best question cosine, best passage cosine (a doc
        without passages - an intent - gets its question cosine, so it is neither helped nor hurt)."""
        question_cosines = self.questions_ @ vector
        best_question = np.maximum.reduceat(question_cosines, self.question_starts_)
        best_passage = best_question.copy()
        if len(self.passage_docs_):
            best_passage[self.passage_docs_] = np.maximum.reduceat(self.passages_ @ vector, self.passage_starts_)
        return question_cosines, best_question, best_passage
