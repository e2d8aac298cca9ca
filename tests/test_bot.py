"""Bot on the small fixture base: ranking, decisions, sessions, tools in chat, the cache."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from helpbot import Bot, Reply, Thresholds
from helpbot import index as index_module
from helpbot.models import REPLY_KINDS
from helpbot.sessions import MemorySessionStore


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("tt zip code", "tt-zip-code"),
        ("which postcode do I give my bank for a wire transfer", "tt-zip-code"),
        ("swift code not recognised", "tt-swift-code"),
        ("swfit cod", "tt-swift-code"),
        ("I forgot my password", "account-reset-password"),
        ("how many items can I keep in my wish list", "favorites-limit"),
        ("money back after agreement how long", "refund-processing-time"),
        ("how big is the picture bank for free members", "photo-bank-space"),
    ],
)
def test_search_ranks_the_right_entry_first(small_bot, question, entry_id):
    hits = small_bot.search(question, k=3)
    assert hits[0].entry_id == entry_id
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_clamps_k_and_handles_empty_queries(small_bot):
    assert len(small_bot.search("password", k=100)) == 6
    assert small_bot.search("", k=5) == []
    assert small_bot.search("password", k=0) == []


def test_answer_reply_carries_the_entry(small_bot):
    reply = small_bot.ask("what zip code do I enter for a T/T payment?")
    assert reply.kind == "answer"
    assert reply.entry_id == "tt-zip-code"
    assert "999077" in reply.text
    assert 0.0 <= reply.confidence <= 1.0
    assert reply.to_dict()["entry_id"] == "tt-zip-code"


def test_out_of_scope_falls_back_with_a_livechat_offer(small_bot):
    reply = small_bot.ask("what is the capital of peru")
    assert reply.kind == "fallback"
    assert reply.entry_id is None
    assert "talk to an agent" in reply.text  # the offer, neutral: no promise that someone joins


@pytest.mark.parametrize(("question", "kind"), [("hello", "smalltalk"), ("talk to a human", "handoff")])
def test_intents_are_routed(small_bot, question, kind):
    assert small_bot.ask(question).kind == kind


@pytest.mark.parametrize(
    ("thresholds", "kind"),
    [
        (Thresholds(answer=0.0, intent=1.01, clarify=0.0), "answer"),        # always confident
        (Thresholds(answer=1.01, intent=1.01, clarify=0.0, clarify_ratio=0.0), "clarify"),
        (Thresholds(answer=1.01, intent=1.01, clarify=1.01), "fallback"),     # never confident
    ],
)
def test_decision_follows_the_thresholds(small_bot, thresholds, kind):
    original = small_bot.thresholds
    small_bot.thresholds = thresholds
    try:
        reply = small_bot.ask("swift code")
    finally:
        small_bot.thresholds = original
    assert reply.kind == kind
    if kind == "clarify":
        assert len(reply.suggestions) == 2
        assert reply.text.startswith("Did you mean")


def test_choosing_a_suggestion_answers_it(small_bot):
    original = small_bot.thresholds
    small_bot.thresholds = Thresholds(answer=1.01, intent=1.01, clarify=0.0, clarify_ratio=0.0)
    try:
        first = small_bot.ask("swift code", session_id="pick")
    finally:
        small_bot.thresholds = original
    second_id = first.suggestions[1].entry_id
    reply = small_bot.ask("the second one", session_id="pick")
    assert reply.kind == "answer" and reply.entry_id == second_id
    by_title = small_bot.ask(first.suggestions[0].title, session_id="pick")
    assert by_title.entry_id == first.suggestions[0].entry_id


def test_session_expiry_forgets_suggestions(fixture_kb, fixture_intents):
    now = [0.0]
    bot = Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents,
                   sessions=MemorySessionStore(ttl=60, clock=lambda: now[0]),
                   thresholds=Thresholds(answer=1.01, intent=1.01, clarify=0.0, clarify_ratio=0.0))
    bot.ask("swift code", session_id="s")
    now[0] = 1000.0
    reply = bot.ask("the second one", session_id="s")
    assert reply.confidence < 1.0 and reply.kind != "answer"  # no suggestion to pick any more


def test_load_other_knowledge_dir_without_intents(fixture_kb):
    bot = Bot.load(knowledge_dir=fixture_kb)
    assert set(bot.entries) >= {"tt-zip-code", "favorites-limit"}
    assert bot.ask("tt zip code").entry_id == "tt-zip-code"


@pytest.mark.parametrize("text", ["", "   ", None, 42])
def test_empty_or_non_text_question_gets_a_polite_reply(small_bot, text):
    reply = small_bot.ask(text)
    assert isinstance(reply, Reply) and reply.kind == "fallback" and "question" in reply.text


def test_reply_kinds_are_always_valid(small_bot):
    for text in ("hi", "agent", "x" * 5000, "\u200b\u202e", "<img src=x onerror=alert(1)>"):
        assert small_bot.ask(text).kind in REPLY_KINDS


def test_the_cache_is_reused_and_rebuilt_when_knowledge_changes(kb_copy, fixture_intents, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    Bot.load(knowledge_dir=kb_copy, intents_dir=fixture_intents, cache_dir=cache_dir)
    assert len(list(cache_dir.glob("index-*.pickle"))) == 1

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the index was rebuilt although nothing changed")

    with monkeypatch.context() as patch:
        patch.setattr(index_module, "build_index", no_rebuild)
        cached = Bot.load(knowledge_dir=kb_copy, intents_dir=fixture_intents, cache_dir=cache_dir)
    assert cached.ask("tt zip code").entry_id == "tt-zip-code"

    path = kb_copy / "payments.yaml"
    path.write_text(path.read_text().replace("The zip code is 999077.", "The zip code is 999077 (HK)."))
    rebuilt = Bot.load(knowledge_dir=kb_copy, intents_dir=fixture_intents, cache_dir=cache_dir)
    assert "(HK)" in rebuilt.entries["tt-zip-code"].answer
    assert len(list(cache_dir.glob("index-*.pickle"))) == 2


def test_a_damaged_cache_is_ignored(fixture_kb, fixture_intents, tmp_path):
    cache_dir = tmp_path / "cache"
    Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents, cache_dir=cache_dir)
    for path in cache_dir.glob("index-*.pickle"):
        path.write_bytes(b"not a pickle")
    bot = Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents, cache_dir=cache_dir)
    assert bot.ask("tt zip code").entry_id == "tt-zip-code"


def test_an_unwritable_cache_folder_still_answers(fixture_kb, fixture_intents, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    bot = Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents, cache_dir=blocker / "cache")
    assert bot.ask("tt zip code").entry_id == "tt-zip-code"


def test_ask_is_deterministic(small_bot):
    first = [small_bot.ask(q).to_dict() for q in ("swift", "refund", "photo bank")]
    second = [small_bot.ask(q).to_dict() for q in ("swift", "refund", "photo bank")]
    assert first == second


def test_copy_of_fixture_base_loads_from_any_working_directory(kb_copy, fixture_intents, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    moved = tmp_path / "elsewhere"
    shutil.copytree(kb_copy, moved)
    assert Bot.load(knowledge_dir=moved, intents_dir=fixture_intents).entries.__len__() == 6


def test_bundled_bot_uses_the_injected_clock():
    bot = Bot.load(today=lambda: date(2026, 11, 26))
    reply = bot.ask("I paid by boleto yesterday, when will the supplier receive it?")
    assert reply.kind == "tool" and reply.result["paid_on"] == "2026-11-25"
