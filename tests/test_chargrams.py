from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from helpbot.chargrams import CharTfidf, char_wb_ngrams

TEXTS = ["how do i reset my password", "tt swift code not recognised", "a b", "zip code for the beneficiary"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdez 12", max_size=40))
def test_query_vector_equals_scikit_learn(query):
    ours = CharTfidf().fit(TEXTS)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=False, sublinear_tf=True).fit(TEXTS)
    assert char_wb_ngrams(query, 2, 4) == reference.build_analyzer()(query)
    expected = reference.transform([query]).toarray()[0]
    cols, weights = ours.transform_one(query)
    got = np.zeros_like(expected)
    got[cols] = weights
    np.testing.assert_allclose(got, expected, atol=1e-12)
    # the stored matrix is float32: similarities agree to float32 precision
    np.testing.assert_allclose(ours.similarities(query), reference.transform(TEXTS) @ expected, atol=1e-6)


def test_a_misspelling_still_finds_its_text():
    sims = CharTfidf().fit(TEXTS).similarities("pasword rest")
    assert int(np.argmax(sims)) == 0
