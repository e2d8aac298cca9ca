"""The tool conversations users expect, through ``Bot.ask``: figures read by their role, a tool run
when the message holds its figures (even phrased as a question), short passwords after the
prompt, the offer that remembers the question, and "and in EUR?" style changes. Every reply in
buyer words with one date format."""

from __future__ import annotations

import re
from datetime import date

import pytest

from helpbot import Bot

TODAY = date(2026, 11, 26)  # a Thursday
PARAMETER_NAMES = re.compile(r"\b(paid_on|opened_on|delivered_on|agreement_on|order_amount|principal=|"
                             r"account_number|transfer=|currency=|in_transit|kind=)\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture(scope="module")
def bot():
    return Bot.load(today=lambda: TODAY)


def _buyer_words(text: str) -> None:
    assert not PARAMETER_NAMES.search(text), text
    assert not ISO_DATE.search(text), f"dates are written out ('Tuesday 24 November 2026'): {text}"


@pytest.mark.parametrize(("message", "tool", "expect"), [
    # Dates by role, whatever their order.
    ("the goods were delivered on 2026-03-01 and I opened the dispute on 2026-03-03, when can I escalate?",
     "dispute_deadlines", {"opened_on": "2026-03-03", "escalate_from": "2026-03-06"}),
    ("I opened a dispute on 2026-03-03 for an in-transit order delivered on 2026-03-01, when can I escalate?",
     "dispute_deadlines", {"opened_on": "2026-03-03", "in_transit": True}),
    # A Pay Later principal and term, asked as a question.
    ("how much would pay later cost me on $5,000 over 6 months?", "fee_estimate",
     {"kind": "pay_later", "principal": 5000.0, "term_months": 6}),
    ("what are the pay later fees on a 10k loan for 3 months", "fee_estimate",
     {"kind": "pay_later", "principal": 10000.0, "term_months": 3}),
    # A payment method's limit, asked as a question.
    ("is 1800 usd ok for a western union payment", "fee_estimate", {"kind": "payment_method", "allowed": True}),
    ("can I pay 20000 usd by western union?", "fee_estimate", {"kind": "payment_method", "allowed": False}),
    # A short or invalid password after "check this password".
    ("check this password for me: ab1", "password_check", {"valid": False, "problems": ["too_short"]}),
    ('is "hunter2" a good password?', "password_check", {"valid": True}),
])
def test_a_message_with_the_figures_runs_the_tool(bot, message, tool, expect):
    reply = bot.ask(message)
    assert reply.kind == "tool" and reply.tool == tool, (reply.kind, reply.text)
    assert {k: reply.result[k] for k in expect} == expect
    _buyer_words(reply.text)


@pytest.mark.parametrize("message", [
    "what is the trade assurance fee for orders over $5,000?",   # a general question about a figure
    "how long does a T/T take?",
    "the seller shows no fixed price, how much will 500 units cost?",  # a quantity is not money
])
def test_a_general_question_is_answered_from_the_knowledge(bot, message):
    assert bot.ask(message).kind == "answer"


def test_the_password_prompt_takes_a_short_password(bot):
    prompt = bot.ask("check this password for me", session_id="short-password")
    assert prompt.kind == "tool" and prompt.result is None and prompt.secret_next
    checked = bot.ask("ab1", session_id="short-password")
    assert checked.kind == "tool" and checked.result["problems"] == ["too_short"]
    assert "ab1" not in checked.text and not checked.secret_next


def test_an_offer_then_only_the_date_runs_the_offered_tool(bot):
    answer = bot.ask("how long does an online bank payment take?", session_id="offer-date")
    assert answer.kind == "answer" and "I can work out the arrival dates" in answer.text
    done = bot.ask("paid yesterday", session_id="offer-date")
    assert done.kind == "tool" and done.result["method"] == "online_bank_payment"
    assert done.result["paid_on"] == "2026-11-25"
    _buyer_words(done.text)


@pytest.mark.parametrize(("first", "follow_up", "check"), [
    ("I sent a T/T on 2026-11-20, when will it arrive?", "and in EUR?",
     lambda before, after: after.result == before.result and "doesn't change the result" in after.text),
    ("I paid by e-checking on 2026-11-02, when will it arrive?", "and in EUR?",
     lambda before, after: after.result["working_days"] == [9, 10]),
    ("I paid by boleto on 2026-11-20, when will the supplier get it?", "what about by wire?",
     lambda before, after: after.result["method"] == "tt"),
    ("I paid by boleto on 2026-11-20, when will the supplier get it?", "what if I paid on 2026-11-23?",
     lambda before, after: after.result["paid_on"] == "2026-11-23"),
    ("I opened an in-transit dispute on 2026-11-02, delivered on 2026-10-20, when can I escalate?",
     "and if it was delivered on the 5th?",
     lambda before, after: after.result["escalate_from"] != before.result["escalate_from"]),
    ("what will my supplier pay on a $3,000 order?", "and for $4,000?",
     lambda before, after: after.result["service_charge"] == 40.0),
])
def test_a_follow_up_reruns_the_last_tool_with_one_figure_changed(bot, first, follow_up, check):
    session = f"change-{abs(hash((first, follow_up)))}"
    before = bot.ask(first, session_id=session)
    assert before.kind == "tool" and before.result is not None, before.text
    after = bot.ask(follow_up, session_id=session)
    assert after.kind == "tool" and after.tool == before.tool, after.text
    assert check(before, after), after.text
    _buyer_words(after.text)


def test_a_tool_error_is_said_in_buyer_words(bot):
    reply = bot.ask("I opened the dispute on 2026-11-12 and we agreed on 2026-11-10, when is the refund due?")
    assert reply.kind == "tool"
    _buyer_words(reply.text)
    if reply.result is None:
        assert "check the dates" in reply.text


def test_a_new_question_after_a_result_is_not_a_change(bot):
    bot.ask("I sent a T/T on 2026-11-20, when will it arrive?", session_id="not-a-change")
    reply = bot.ask("how do I post an RFQ?", session_id="not-a-change")
    assert reply.kind in ("answer", "clarify") and reply.tool is None
