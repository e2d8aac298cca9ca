"""Our sparse BM25 against rank-bm25 as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from helpbot.bm25 import BM25

WORDS = st.sampled_from([f"w{i}" for i in range(12)])
CORPUS = st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=30)
QUERY = st.lists(st.sampled_from([f"w{i}" for i in range(15)]), min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(CORPUS, QUERY)
def test_okapi_variant_equals_rank_bm25(corpus, query):
    reference = BM25Okapi(corpus)
    ours = BM25(idf="okapi").fit(corpus)
    np.testing.assert_allclose(ours.scores(query), reference.get_scores(query), rtol=0, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(CORPUS, QUERY)
def test_lucene_variant_equals_rank_bm25_with_lucene_idf(corpus, query):
    reference = BM25Okapi(corpus)
    n = len(corpus)
    reference.idf = {t: float(np.log1p((n - f + 0.5) / (f + 0.5))) for t, f in
                     ((t, sum(t in d for d in corpus)) for t in reference.idf)}
    ours = BM25().fit(corpus)
    np.testing.assert_allclose(ours.scores(query), reference.get_scores(query), rtol=0, atol=1e-9)


def test_lucene_idf_never_punishes_a_common_term():
    corpus = [["order", "refund"], ["order", "ship"], ["order"], ["pay"]]
    okapi = BM25(idf="okapi").fit(corpus).scores(["order"])
    lucene = BM25().fit(corpus).scores(["order"])
    assert okapi[0] <= 0.0 + 1e-12 or okapi[0] < lucene[0]
    assert lucene[0] > 0 and lucene[3] == 0


def test_unknown_terms_and_empty_query_score_zero():
    bm25 = BM25().fit([["a", "b"], ["c"]])
    assert bm25.scores([]).tolist() == [0.0, 0.0]
    assert bm25.scores(["zzz"]).tolist() == [0.0, 0.0]


def test_invalid_idf_names_the_choices():
    with pytest.raises(ValueError, match="Choose from 'lucene', 'okapi'"):
        BM25(idf="robertson")
