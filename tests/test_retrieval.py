from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpbot.knowledge import load_knowledge
from helpbot.retrieval import FEATURES, Doc, HybridRetriever
from helpbot.text import Analyzer


@pytest.fixture(scope="module")
def docs(fixture_kb):
    return [Doc(e.id, e.title, e.questions, e.answer, e.tags) for e in load_knowledge(fixture_kb)]


def test_candidates_have_one_feature_row_each(docs):
    retriever = HybridRetriever(Analyzer()).fit(docs)
    found = retriever.candidates("tt swift code")
    assert found.features.shape == (len(found.indices), len(FEATURES))
    assert np.isfinite(found.features).all()
    assert len(set(found.indices.tolist())) == len(found.indices)


def test_shortlist_mode_finds_what_full_mode_finds(docs):
    """A large base scores characters only over the BM25 shortlist; on queries that share a
    word with their entry both modes must rank the same entry first."""
    full = HybridRetriever(Analyzer()).fit(docs)
    shortlist = HybridRetriever(Analyzer(), full_char_max_texts=0, shortlist=3).fit(docs)
    assert full.full_char_ and not shortlist.full_char_
    for query in ("zip code", "swift code", "favorites limit", "refund time", "photo bank space"):
        best_full = full.candidates(query)
        best_short = shortlist.candidates(query)
        top = lambda c: int(c.indices[np.argmax(c.features[:, FEATURES.index("bm25_all")])])  # noqa: E731
        assert top(best_full) == top(best_short)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=60), st.floats(0.0, 1.0), st.integers(0, 2**31))
def test_per_doc_max_paths_agree(sizes, density, seed):
    retriever = HybridRetriever(Analyzer())
    retriever.starts_ = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    retriever.owner_ = np.repeat(np.arange(len(sizes)), sizes)
    rng = np.random.default_rng(seed)
    scores = np.where(rng.random(sum(sizes)) < density, rng.random(sum(sizes)) + 0.01, 0.0)
    assert np.array_equal(retriever._per_doc_max(scores), np.maximum.reduceat(scores, retriever.starts_))


def test_lexical_scores_for_the_ablation(docs):
    retriever = HybridRetriever(Analyzer()).fit(docs)
    for method in ("bm25", "tfidf", "fuzzy"):
        assert retriever.lexical_scores("swift code", method).shape == (len(docs),)
    with pytest.raises(ValueError, match="Choose from 'bm25', 'tfidf', 'fuzzy'"):
        retriever.lexical_scores("x", "dense")


def test_fit_needs_documents():
    with pytest.raises(ValueError, match="at least one document"):
        HybridRetriever(Analyzer()).fit([])
