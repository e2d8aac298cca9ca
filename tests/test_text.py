from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpbot.paths import data_dir
from helpbot.text import Analyzer, build_synonyms, fold, load_synonyms

SYNONYMS = load_synonyms(data_dir("intents") / "synonyms.yaml")
ANALYZER = Analyzer(SYNONYMS)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ", "full-width abc"),  # NFKC
        ("“Add to Blocklist”", '"add to blocklist"'),
        ("the supplier’s page", "the supplier's page"),
        ("1–2 working days — fast", "1-2 working days - fast"),
        ("zero\u200bwidth", "zero width"),
        ("【My Ecokara】", "[my ecokara]"),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("variant", "canonical_terms"),
    [
        ("How long does a wire transfer take?", ["long", "tt", "take"]),
        ("T/T payment", ["tt", "payment"]),
        ("telegraphic transfer fee", ["tt", "fee"]),
        ("post a buying request", ["post", "rfq"]),
        ("Request for Quotation", ["rfq"]),
        ("money back from the seller", ["refund", "supplier"]),
        ("vendor and factory", ["supplier", "supplier"]),
        ("pay by e-checking", ["pay", "echeck"]),
        ("L/C documents", ["lettercredit", "document"]),
        ("minimum order quantity", ["moq"]),
        ("Trade Assurance order", ["tradeassur", "order"]),
        ("log in problems", ["signin", "problem"]),
    ],
)
def test_synonyms_meet_on_one_term(variant, canonical_terms):
    assert ANALYZER.terms(variant) == canonical_terms


def test_synonyms_match_whole_words_only():
    table = build_synonyms({"tt": ["wire transfer"], "supplier": ["seller"]})
    analyzer = Analyzer(table)
    assert analyzer.terms("bestseller wire transfers") == ["bestsel", "wire", "transfer"]


def test_stop_words_dropped_and_words_stemmed():
    assert Analyzer().terms("How do I change the passwords of my accounts?") == ["chang", "password", "account"]


@given(st.text(max_size=300))
def test_terms_never_fail_on_any_text(text):
    terms = ANALYZER.terms(text)
    assert all(isinstance(t, str) and t for t in terms)
    once = ANALYZER.normalise(text)
    assert ANALYZER.terms(once) == terms  # normalising twice changes nothing
