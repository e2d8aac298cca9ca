"""The ranking guarantees: an exact stored phrasing ranks first, more evidence never lowers a
score, and a base with one phrasing per entry still answers paraphrases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpbot import Bot
from helpbot.benchsuite import synthetic_entries
from helpbot.fusion import FREE_SUMMARY, SUMMARY, Fusion, fit_logistic, load_prior
from helpbot.intents import IntentSet
from helpbot.knowledge import load_knowledge
from helpbot.paths import data_dir
from helpbot.retrieval import FEATURES, QUERY_FEATURES
from helpbot.text import EMPTY_SYNONYMS

DATA = Path(__file__).parent / "data"
EVIDENCE = np.array([name not in QUERY_FEATURES for name in FEATURES])


def _exact_share(n: int, *, embeddings: bool, asked: int = 300) -> float:
    entries = synthetic_entries(n, load_knowledge(data_dir("knowledge")))
    bot = Bot(entries, IntentSet((), (), EMPTY_SYNONYMS), embeddings=embeddings)
    rng = random.Random(n)
    picks = [rng.choice(entries) for _ in range(asked)]
    questions = [(e.id, rng.choice((e.title, *e.questions))) for e in picks]
    right = 0
    for entry_id, question in questions:
        reply = bot.ask(question)
        hits = bot.search(question, k=1)
        right += reply.kind == "answer" and reply.entry_id == entry_id and hits[0].entry_id == entry_id
    return right / len(questions)


def test_every_stored_question_answers_with_its_own_entry_on_3000_random_entries():
    assert _exact_share(3000, embeddings=True) >= 0.99


@pytest.mark.slow
def test_every_stored_question_answers_with_its_own_entry_on_30000_random_entries():
    # The guarantee lives in the ranking, not in a signal: the lexical engine keeps it too (the
    # embedding stage on 30,000 entries is measured by `helpbot bench`, where it takes minutes).
    assert _exact_share(30000, embeddings=False, asked=200) >= 0.99


@pytest.mark.parametrize("question", ["I forgot my password. How do I reset it?",
                                      "I FORGOT MY PASSWORD HOW DO I RESET IT",
                                      "  i forgot my password, how do i reset it ?! "])
def test_exact_match_after_normalisation_skips_the_encoder(bot, question):
    ranking = bot.ranker.rank(question)
    assert bot.docs[ranking.docs[0]].key == "account-forgot-password"
    assert ranking.exact and not ranking.encoded and ranking.confidence >= 0.9


def test_a_new_question_runs_the_encoder(bot):
    ranking = bot.ranker.rank("my login secret stopped working after I changed phones")
    assert ranking.encoded and not ranking.exact


# -- the monotone fusion -------------------------------------------------------------------------

def test_shipped_bot_weighs_every_piece_of_evidence_up(bot):
    ranker, calibrator = bot.fusion.ranker_, bot.fusion.calibrator_
    assert (ranker.coef[EVIDENCE] >= 0).all(), dict(zip(FEATURES, ranker.coef.round(3)))
    free = np.array([name in FREE_SUMMARY for name in SUMMARY])
    assert (calibrator.coef[~free] >= 0).all(), dict(zip(SUMMARY, calibrator.coef.round(3)))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_more_evidence_never_lowers_a_score(bot, data):
    row = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=len(FEATURES), max_size=len(FEATURES))))
    feature = data.draw(st.sampled_from([i for i, e in enumerate(EVIDENCE) if e]))
    more = row.copy()
    more[feature] += data.draw(st.floats(0.0, 5.0))
    assert bot.fusion.scores(more[None, :])[0] >= bot.fusion.scores(row[None, :])[0] - 1e-12


def test_bounded_logistic_regression_keeps_evidence_weights_non_negative():
    # A feature that, in this data, goes with the wrong answer: unbounded it would get a negative
    # weight (the 30,000-entry failure); bounded it gets zero and the other feature does the work.
    rng = np.random.default_rng(0)
    good = rng.normal(size=400)
    labels = (good + rng.normal(scale=0.3, size=400) > 0).astype(float)
    misleading = -good + rng.normal(scale=0.1, size=400)
    rows = np.column_stack([good, misleading])
    free, _ = fit_logistic(rows, labels, np.ones(400), nonnegative=np.array([False, False]),
                           centre=np.zeros(2), centre_intercept=0.0, strength=0.01)
    bounded, _ = fit_logistic(rows, labels, np.ones(400), nonnegative=np.array([True, True]),
                              centre=np.zeros(2), centre_intercept=0.0, strength=0.01)
    assert free[1] < 0
    assert bounded[1] == pytest.approx(0.0, abs=1e-9) and bounded[0] > 0


def test_prior_is_shipped_for_both_engines_and_matches_the_features():
    for variant in ("hybrid", "lexical"):
        prior = load_prior(variant)
        assert prior is not None, f"helpbot/assets/fusion_prior.json has no usable {variant!r} prior"
        assert (prior.ranker.coef[EVIDENCE] >= 0).all()


def test_without_examples_the_fusion_is_the_prior():
    prior = load_prior("hybrid")
    fusion = Fusion(prior=prior).fit([])
    assert fusion.ranker_ is prior.ranker and fusion.calibrator_ is prior.calibrator


# -- a base with one phrasing per entry ----------------------------------------------------------

@pytest.fixture(scope="module")
def one_phrasing_bot():
    return Bot.load(knowledge_dir=DATA / "one_phrasing" / "knowledge")


def test_one_phrasing_base_answers_paraphrases(one_phrasing_bot):
    """40 CLINC150 intents with one training utterance each, asked with 400 test utterances.
    Measured: answered right 0.545, ranked first 0.883 (the floors leave a little room only; builds
    are deterministic). Before the shipped prior this base answered nothing: its fusion had no
    out-of-fold phrasings to learn from."""
    queries = [json.loads(line) for line in (DATA / "one_phrasing" / "queries.jsonl").read_text().splitlines()]
    answered_right = ranked_first = 0
    for query in queries:
        reply = one_phrasing_bot.ask(query["q"])
        answered_right += reply.kind == "answer" and reply.entry_id == query["entry"]
        ranked_first += one_phrasing_bot.search(query["q"], k=1)[0].entry_id == query["entry"]
    assert answered_right / len(queries) >= 0.52
    assert ranked_first / len(queries) >= 0.86


def test_one_phrasing_base_keeps_its_own_questions_exact(one_phrasing_bot):
    for entry in one_phrasing_bot.entries.values():
        reply = one_phrasing_bot.ask(entry.title)
        assert reply.kind == "answer" and reply.entry_id == entry.id


@pytest.mark.parametrize(("message", "kind"), [
    ("hello", "smalltalk"),
    ("thanks a lot", "smalltalk"),
    ("I want to talk to a human", "handoff"),
    ("can I speak to a real person please", "handoff"),
])
def test_a_knowledge_folder_given_alone_keeps_the_general_intents(one_phrasing_bot, message, kind):
    """HELPBOT_KNOWLEDGE_DIR set and HELPBOT_INTENTS_DIR unset: the bundled general intents apply
    (as the README says), not Ecokara's tools or marketplace examples."""
    assert one_phrasing_bot.ask(message).kind == kind


def test_a_foreign_base_has_no_ecokara_tools(one_phrasing_bot):
    assert one_phrasing_bot.ask("check this password for me").kind != "tool"
