"""The four tools through the chat: complete and incomplete slots, offers, follow-ups."""

from __future__ import annotations

from datetime import date

import pytest

from helpbot import Bot

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.fixture(scope="module")
def bot():
    return Bot.load(today=lambda: TODAY)


@pytest.mark.parametrize(
    ("message", "tool", "expect"),
    [
        ("I paid by boleto on 2026-11-20, when will the supplier get it?", "payment_arrival",
         {"earliest": "2026-11-24", "latest": "2026-11-26"}),
        ("sent a T/T last Friday, when will it arrive?", "payment_arrival",
         {"method": "tt", "paid_on": "2026-11-20"}),
        ("paid by western union yesterday, when does the seller receive it?", "payment_arrival",
         {"earliest": "2026-11-26", "latest": "2026-11-26"}),
        ("is Abc123 an ok password?", "password_check", {"valid": True}),
        ('check my password "abcdefg"', "password_check", {"valid": False, "problems": ["too_few_types"]}),
        ("what will my supplier pay on a $3,000 order?", "fee_estimate", {"service_charge": 30.0}),
        ("trade assurance fee for a 4000 usd order shipped with a third-party logistics vendor",
         "fee_estimate", {"service_charge": 80.0}),
        ("I opened a dispute on 3 March 2026, when can I escalate?", "dispute_deadlines",
         {"escalate_from": "2026-03-06"}),
    ],
)
def test_a_message_with_every_figure_runs_the_tool(bot, message, tool, expect):
    reply = bot.ask(message)
    assert reply.kind == "tool", reply.text
    assert reply.tool == tool
    assert {k: reply.result[k] for k in expect} == expect
    assert reply.text


@pytest.mark.parametrize(
    ("message", "entry_fragment"),
    [
        ("how long does a T/T take?", "3-7"),
        ("what are the password rules", "6-20 characters"),
        ("how much is the trade assurance service charge", "US $100"),
    ],
)
def test_a_general_question_gets_the_knowledge_answer_and_an_offer(bot, message, entry_fragment):
    reply = bot.ask(message)
    assert reply.kind == "answer"
    assert entry_fragment in reply.text
    assert "I can" in reply.text  # the offer to calculate


def test_taking_the_offer_asks_for_each_missing_figure_in_turn(bot):
    session = "offer"
    first = bot.ask("how long until the supplier gets my payment?", session_id=session)
    assert first.kind == "answer" and "I can work out the arrival dates" in first.text
    ask_method = bot.ask("yes please", session_id=session)
    assert ask_method.kind == "tool" and ask_method.result is None
    assert "method" in ask_method.text.lower()
    ask_date = bot.ask("boleto", session_id=session)
    assert ask_date.kind == "tool" and ask_date.result is None and "date" in ask_date.text.lower()
    done = bot.ask("2026-11-20", session_id=session)
    assert done.kind == "tool" and done.result["latest"] == "2026-11-26"


def test_the_offer_remembers_what_the_question_said(bot):
    """ "How long does a boleto take?" then only the date: the offered tool runs with Boleto."""
    session = "offer-remembers"
    first = bot.ask("how long does it take for a boleto payment to arrive?", session_id=session)
    assert first.kind == "answer"
    done = bot.ask("I paid on 2026-11-20", session_id=session)
    assert done.kind == "tool" and done.tool == "payment_arrival"
    assert done.result["method"] == "boleto" and done.result["latest"] == "2026-11-26"


def test_a_tool_intent_without_figures_asks_then_runs(bot):
    session = "intent"
    prompt = bot.ask("calculate my dispute deadlines", session_id=session)
    assert prompt.kind == "tool" and prompt.tool == "dispute_deadlines" and prompt.result is None
    done = bot.ask("3 days ago", session_id=session)
    assert done.kind == "tool" and done.result["escalate_from"] == "2026-11-26"


def test_a_follow_up_changes_one_figure(bot):
    session = "follow"
    first = bot.ask("I paid by e-checking on 2026-11-02, when will it arrive?", session_id=session)
    assert first.kind == "tool" and first.result["working_days"] == [4, 5]
    euro = bot.ask("and in EUR?", session_id=session)
    assert euro.kind == "tool" and euro.result["working_days"] == [9, 10]


def test_a_new_question_abandons_a_pending_form(bot):
    session = "abandon"
    assert bot.ask("check my password", session_id=session).kind == "tool"
    reply = bot.ask("how do I post an RFQ?", session_id=session)
    assert reply.kind in ("answer", "clarify")


SECRET = "Zq7!secretPW"


def test_a_password_is_checked_but_never_kept_or_repeated(bot):
    session = "secret"
    reply = bot.ask(f"is {SECRET} a good password?", session_id=session)
    assert reply.kind == "tool" and reply.tool == "password_check"
    assert SECRET not in reply.text and SECRET not in repr(reply.to_dict())
    state = bot.sessions.load(session)
    assert SECRET not in repr(state)
    prompt = bot.ask("check my password", session_id=session)
    assert prompt.result is None
    answered = bot.ask(SECRET, session_id=session)
    assert answered.kind == "tool" and answered.result["valid"] is True
    assert SECRET not in repr(answered.to_dict()) and SECRET not in repr(bot.sessions.load(session))


def test_a_tool_input_error_is_said_politely(bot):
    reply = bot.ask("I paid by e-checking in GBP on 2026-11-02, when will it arrive?")
    assert reply.kind == "tool" and reply.result is None
    assert "USD" in reply.text and "EUR" in reply.text


def test_fee_estimate_asks_for_the_amount_then_runs(bot):
    session = "fee"
    prompt = bot.ask("calculate the service charge for my order", session_id=session)
    assert prompt.kind == "tool" and prompt.tool == "fee_estimate" and prompt.result is None
    assert "amount" in prompt.text.lower()
    done = bot.ask("$3,000", session_id=session)
    assert done.kind == "tool" and done.result["service_charge"] == 30.0


@pytest.mark.parametrize(
    ("amount", "charge", "onetouch"),
    [("4,999.99", 50.0, False), ("5,000", 0.0, True), ("5,000.01", 0.0, True)],
)
def test_fee_boundary_through_the_chat(bot, amount, charge, onetouch):
    reply = bot.ask(f"what will my supplier pay on a ${amount} order?")
    assert reply.kind == "tool"
    assert reply.result["service_charge"] == charge and reply.result["onetouch_required"] is onetouch
    if amount == "5,000":
        assert "5,000" in reply.text  # the reply says how exactly US$5,000 is treated


def test_a_quantity_is_not_an_amount_of_money(bot):
    reply = bot.ask("the seller shows no fixed price, how much will 500 units cost?")
    assert reply.kind != "tool"


def test_a_passphrase_after_the_prompt_is_checked_whole(bot):
    session = "phrase"
    assert bot.ask("check my password", session_id=session).result is None
    reply = bot.ask("correct horse battery staple", session_id=session)
    assert reply.kind == "tool" and reply.tool == "password_check"
    assert "contains_space" in reply.result["problems"]
    assert "horse" not in reply.text


def test_a_sentence_after_the_prompt_is_a_new_question_not_a_password(bot):
    session = "sentence"
    bot.ask("check my password", session_id=session)
    reply = bot.ask("how do I post an RFQ", session_id=session)
    assert reply.tool != "password_check"
