"""``rank(text) -> Ranking``: the one interface over retrieval and fusion.

Everything downstream (the decision policy, search, the benchmarks) reads a :class:`Ranking`;
nothing else calls the retriever or the fusion on the query path.

Two guarantees live here:
- **An exact stored phrasing ranks first.** A query that is word for word (after normalisation) a
  stored question or title of a doc puts that doc first, whatever the fusion says, with confidence
  at least ``EXACT_CONFIDENCE``: on a base of 30,000 near-random entries a learned ranker can
  prefer another doc, and a help center must never answer its own question with another answer.
- **The same text, the same ranking.** A ranking depends on nothing but the text, so the most
  recent ones are kept (bounded LRU): help-center traffic repeats itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from helpbot.index import Index

EXACT_CONFIDENCE = 0.9
# BLAS runs single-threaded on the query path: its products here are a few thousand rows long,
# and waking a second thread (which the encoder has just left cold) costs more than it saves -
# measured on this 2-core machine: p50 of a candidate search 4.9 ms with two BLAS threads, 3.4 ms
# with one. The limit holds while a ranking runs and is lifted after it.
_THREADS = ThreadpoolController()
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Ranking:
    """Docs best first (indices into ``Index.docs``), their ranker scores, and the calibrated
    confidence that the first one is right. ``exact``: the first is an exact stored phrasing;
    ``encoded``: the sentence encoder ran (False when the stage is off or an exact match reused a
    stored vector)."""

    docs: tuple[int, ...]
    scores: np.ndarray
    confidence: float
    exact: bool = False
    encoded: bool = False


class Ranker:
    def __init__(self, index: Index, *, cache_size: int = 4096) -> None:
        self.index = index
        self.rank = lru_cache(maxsize=cache_size)(self._rank) if cache_size else self._rank

    def clear_cache(self) -> None:
        if hasattr(self.rank, "cache_clear"):
            self.rank.cache_clear()

    def _rank(self, text: str) -> Ranking:
        text = text[:MAX_QUESTION_CHARS]
        with _THREADS.limit(limits=1, user_api="blas"):
            candidates = self.index.retriever.candidates(text)
        fusion = self.index.fusion
        scores = fusion.scores(candidates.features)
        order = np.lexsort((candidates.indices, -scores))  # ties go to the earlier doc
        exact = False
        if candidates.exact:
            positions = np.flatnonzero(np.isin(candidates.indices, candidates.exact))
            best = int(positions[np.argmax(scores[positions])])
            order = np.concatenate([[best], order[order != best]])
            confidence = max(fusion.confidence(scores, candidates.features, top=best), EXACT_CONFIDENCE)
            exact = True
        else:
            confidence = fusion.confidence(scores, candidates.features)
        ordered = scores[order]
        ordered.flags.writeable = False  # shared through the cache: nobody may change it
        return Ranking(tuple(int(candidates.indices[i]) for i in order), ordered, confidence, exact,
                       candidates.encoded)
