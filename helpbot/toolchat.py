"""The chat side of the four tools: pull figures out of messages, ask for what is missing,
run the tool and say the result in words.

A tool runs when the message carries what it needs ("I paid by boleto on 2026-11-20 ..."),
when the user takes an offer made under a knowledge answer ("yes, calculate it"), or when a
tool intent ("check my password") is followed by the missing figures, asked for one at a time.
A password is checked and forgotten: never kept in the session, never repeated back.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from helpbot import slots, tools
from helpbot.models import Reply
from helpbot.sessions import Session
from helpbot.tools import ToolInputError

if TYPE_CHECKING:
    from helpbot.bot import Bot

REQUIRED = {
    "payment_arrival": ("method", "paid_on"),
    "fee_estimate": ("order_amount",),
    "dispute_deadlines": ("opened_on",),
    "password_check": ("password",),
}
PROMPTS = {
    "method": "Which payment method did you use (T/T, credit card, Online Bank Payment, Western Union, Boleto, "
              "Pay Later or Online Transfer)?",
    "paid_on": "On what date did you pay (for example 2026-11-20, \"yesterday\" or \"last Friday\")?",
    "order_amount": "What is the order amount in US dollars (for example $3,000)?",
    "opened_on": "On what date did you open the dispute (for example 2026-03-03 or \"3 days ago\")?",
    "password": "Type the password you'd like to check. I check it here and never store or repeat it.",
}
OFFERS = {
    "payment_arrival": "I can work out the arrival dates for your own payment: tell me the payment method and "
                       "the date you paid.",
    "fee_estimate": "I can estimate the charge on your own order: tell me the order amount (and whether it "
                    "ships with Ecokara logistics or a third-party vendor).",
    "dispute_deadlines": "I can work out your dispute's deadlines: tell me the date you opened the dispute.",
    "password_check": "I can check a password against these rules: type \"check my password\".",
}
_YES = re.compile(r"^\s*(yes|yeah|yep|sure|ok(ay)?|please|go ahead|do it|calculate( it)?|y)\b[\s.!]*", re.I)
_MONEY = re.compile(r"[$€£]|\b(?:usd|us\$|eur|gbp|dollars?|euros?|bucks)\b|\d\s*k\b", re.I)
_COMPARISON = re.compile(r"\b(less|more|over|under|above|below|exceed\w*|greater|smaller|up to|at least)\b", re.I)


def offer_text(tool: str) -> str:
    return OFFERS.get(tool, "")


def gather(tool: str, text: str, today: date) -> dict[str, Any]:
    """The parameters of ``tool`` that the message carries."""
    params: dict[str, Any] = {}
    if tool == "password_check":
        password = _password_candidate(text)
        if password:
            params["password"] = password
        return params
    dates = slots.extract_dates(text, today=today)
    if tool == "payment_arrival":
        params = _present(
            method=slots.extract_method(text), paid_on=dates[0] if dates else None,
            currency=slots.extract_currency(text), transfer=slots.extract_transfer(text),
            account_number=slots.extract_account_number(text),
        )
    elif tool == "fee_estimate":
        # Money only when the message says it is money: "500 units" is a quantity.
        amounts = slots.extract_amounts(text) if _MONEY.search(text) else []
        method = slots.extract_method(text)
        params = _present(
            order_amount=amounts[0][0] if amounts else None, currency=amounts[0][1] if amounts else None,
            logistics=slots.extract_logistics(text), method=method,
        )
        if re.search(r"\bpay\s*later\b|\bloan\b|\bkabbage\b", text, re.I):
            params["kind"] = "pay_later"
        elif method == "western_union" or re.search(r"\bdomestic\b", text, re.I):
            params["kind"] = "payment_method"
    elif tool == "dispute_deadlines":
        if dates:
            params["opened_on"] = dates[0]
        if re.search(r"\bin[\s-]?transit\b", text, re.I):
            params["in_transit"] = True
            if len(dates) > 1:
                params["delivered_on"] = dates[1]
    return params


_SENTENCE = re.compile(
    r"^\s*(how|what|where|when|why|who|which|can|could|do|does|is|are|i|i'm|my|please|help|thanks?|no|cancel)\b",
    re.I,
)


def _could_be_a_password(message: str) -> bool:
    """After "type the password", a reply is the password unless it reads as a sentence."""
    if "?" in message or len(message) > 64:
        return False
    return len(message.split()) == 1 or not _SENTENCE.match(message)


def _present(**values: Any) -> dict[str, Any]:
    """The parameters that were found (None: not in the message)."""
    return {name: value for name, value in values.items() if value is not None}


def _password_candidate(text: str) -> str | None:
    """A password the user typed, not an ordinary word of a question about passwords
    ("can I use my email address as my password?")."""
    candidate = slots.extract_password(text)
    if not candidate:
        return None
    escaped = re.escape(candidate)
    if re.search(rf"[\"'“”‘’`]{escaped}|password\s*(?:is|:|=)\s*{escaped}", text, re.I):
        return candidate
    return None if re.fullmatch(r"[a-z]+", candidate) else candidate


def missing(tool: str, params: dict[str, Any]) -> list[str]:
    return [name for name in REQUIRED[tool] if name not in params]


def execute(tool: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call the tool function with the chat's parameters."""
    if tool == "password_check":
        return tools.password_check(params["password"])
    if tool == "payment_arrival":
        keys = ("currency", "account_number", "transfer")
        return tools.payment_arrival(params["method"], params["paid_on"], **{k: params[k] for k in keys if k in params})
    if tool == "dispute_deadlines":
        keys = ("in_transit", "delivered_on")
        return tools.dispute_deadlines(params["opened_on"], **{k: params[k] for k in keys if k in params})
    kind = params.get("kind", "trade_assurance")
    amount = params["order_amount"]
    if kind == "pay_later":
        return tools.fee_estimate(kind="pay_later", principal=amount)
    if kind == "payment_method":
        method = params.get("method") or "domestic_wire"
        if method == "tt":
            method = "domestic_wire"
        return tools.fee_estimate(kind="payment_method", method=method, amount=amount,
                                  currency=params.get("currency") or "USD")
    return tools.fee_estimate(kind="trade_assurance", order_amount=amount,
                              logistics=params.get("logistics", "ecokara"))


def _run(bot: Bot, tool: str, params: dict[str, Any], session: Session, confidence: float) -> Reply:
    session.pending_tool = None
    session.tool_params = {}
    session.offered_tool = None
    try:
        result = execute(tool, params)
    except ToolInputError as exc:
        return Reply("tool", f"I couldn't work that out: {exc}", None, confidence, tool=tool, result=None)
    if tool != "password_check":  # a password is never kept, not even for a follow-up
        session.last_tool = tool
        session.last_params = dict(params)
    return Reply("tool", summarise(tool, result), None, max(confidence, 0.9), tool=tool, result=result)


def _ask_for(tool: str, params: dict[str, Any], session: Session, confidence: float) -> Reply:
    session.pending_tool = tool
    session.tool_params = {k: v for k, v in params.items() if k != "password"}
    first = missing(tool, params)[0]
    return Reply("tool", PROMPTS[first], None, confidence, tool=tool, result=None)


def start(bot: Bot, tool: str, question: str, session: Session, confidence: float) -> Reply:
    """A tool intent: run it if the message has the figures, else ask for the first missing one."""
    params = gather(tool, question, bot.today())
    if not missing(tool, params):
        return _run(bot, tool, params, session, confidence)
    return _ask_for(tool, params, session, confidence)


def run_if_complete(
    bot: Bot, question: str, session: Session, confidence: float, *, first: str | None = None
) -> Reply | None:
    """The message carries every figure a tool needs and asks what it computes: run it.
    ``first``: the tool of the entry being answered, tried before the others."""
    today = bot.today()
    order = ([first] if first else []) + [t for t in _TRIGGERS if t != first]
    for tool in order:
        if _TRIGGERS[tool].search(question):
            params = gather(tool, question, today)
            if not missing(tool, params) and _looks_personal(tool, question):
                return _run(bot, tool, params, session, confidence)
    return None


# A tool runs unasked only when the message asks what it computes: when money arrives, when
# a dispute can escalate, what a charge comes to, whether a password passes.
_TRIGGERS = {
    "password_check": re.compile(r"pass\s*word|\bpwd\b", re.I),
    "payment_arrival": re.compile(
        r"\b(when|how\s+long|arriv\w*|reach\w*|receiv\w*|land\w*|credited|get\s+(?:it|the\s+money))\b", re.I),
    "dispute_deadlines": re.compile(
        r"\b(dispute|complaint|refund)\b.*\b(when|escalat\w*|deadline|how\s+long|step\s+in|respond)\b"
        r"|\b(when|escalat\w*|deadline)\b.*\b(dispute|complaint|refund)\b", re.I),
    "fee_estimate": re.compile(r"\b(fee|fees|charge\w*|cost|commission|pay)\b", re.I),
}


def _looks_personal(tool: str, question: str) -> bool:
    """Figures in a general question ("fees for orders over $5,000") are not the user's own."""
    if tool == "fee_estimate":
        return not _COMPARISON.search(question)
    # A date in the message is the user's own (paid on, opened on): gather() found one.
    return True


def continue_dialogue(bot: Bot, question: str, session: Session) -> Reply | None:
    """Handle the turn after an offer, a question for a missing figure, or a tool result."""
    today = bot.today()
    if session.offered_tool and _YES.match(question):
        tool = session.offered_tool
        params = gather(tool, question, today)
        if not missing(tool, params):
            return _run(bot, tool, params, session, 1.0)
        return _ask_for(tool, params, session, 1.0)
    if session.pending_tool:
        tool = session.pending_tool
        found = gather(tool, question, today)
        if tool == "password_check" and "password" not in found and _could_be_a_password(question):
            found["password"] = question  # answering "type the password": the whole message is it
        if tool == "fee_estimate" and "order_amount" not in found:
            bare = slots.extract_amounts(question)  # answering "what is the amount?": "3000" will do
            if bare:
                found["order_amount"], found["currency"] = bare[0]
        if found:
            params = {**session.tool_params, **found}
            if not missing(tool, params):
                return _run(bot, tool, params, session, 1.0)
            return _ask_for(tool, params, session, 1.0)
        session.pending_tool = None  # something else: drop the form and answer normally
        session.tool_params = {}
    if session.last_tool and len(question.split()) <= 6 and re.match(r"^\s*(and|what about|how about|in|with|for)\b", question, re.I):
        changed = gather(session.last_tool, question, today)
        if changed:
            return _run(bot, session.last_tool, {**session.last_params, **changed}, session, 1.0)
    return None


def _day(iso: str) -> str:
    d = date.fromisoformat(iso[:10])
    return f"{d:%A} {d.day} {d:%B %Y}"


def summarise(tool: str, result: dict[str, Any]) -> str:
    """The result in words, naming the dates or amounts and the rule behind them."""
    notes = result.get("notes") or []
    if isinstance(notes, str):
        notes = [notes]
    if tool == "password_check":
        if result["valid"]:
            text = "That password meets Ecokara's rules."
        else:
            reasons = {
                "too_short": "it is shorter than 6 characters", "too_long": "it is longer than 20 characters",
                "contains_space": "it contains a space", "invalid_character":
                    "it contains a character other than letters, numbers and punctuation marks",
                "too_few_types": "it uses fewer than 2 of the 4 types (uppercase, lowercase, numbers, punctuation)",
            }
            text = "That password doesn't meet Ecokara's rules: " + "; ".join(
                reasons.get(p, p) for p in result["problems"]) + "."
        advice = {
            "common_password": "it is a common password, easy to guess",
            "single_dictionary_word": "it is a single dictionary word",
            "looks_like_email": "it looks like an email address",
        }
        if result.get("warnings"):
            text += " Advice: " + "; ".join(advice.get(w, w) for w in result["warnings"]) + "."
        rules = ("Password on Ecokara should meet the requirements below: 6-20 characters; only letters, numbers "
                 "and punctuation marks (except spaces); among uppercase letters, lowercase letters, numbers and "
                 "punctuation, at least 2 types included.")
        return f"{text} {rules} (I don't store or repeat passwords.)"
    if tool == "payment_arrival":
        method = str(result.get("method_name") or result.get("method", "")).replace("_", " ")
        if "hours" in result:
            low, high = result["hours"]
            if len(str(result["earliest"])) > 10:
                text = (f"Paid by {method}: the payment should arrive between {result['earliest']} and "
                        f"{result['latest']} ({low}-{high} hours after payment success and check pass).")
            else:
                text = (f"Paid by {method}: the payment arrives {low}-{high} hours after payment success and "
                        f"check pass, so normally on {_day(result['earliest'])}.")
        else:
            low, high = result.get("working_days", ["?", "?"])
            text = (f"Paid by {method}: the payment should arrive between {_day(result['earliest'])} and "
                    f"{_day(result['latest'])} ({low}-{high} working days, counted from the day after payment).")
        return " ".join([text, *notes])
    if tool == "dispute_deadlines":
        steps = result.get("timeline") or []
        lines = [f"- {_day(s['date'])}: {s['event']}" for s in steps if isinstance(s, dict) and "date" in s]
        return "Your dispute's key dates (the opening day counts as day 1):\n" + "\n".join(lines)
    if result.get("kind") == "pay_later":
        return (f"Pay Later fees on that amount: between US${result['min_total']:,.2f} and "
                f"US${result['max_total']:,.2f} in total, depending on the monthly rate offered. " + " ".join(notes))
    if result.get("kind") == "payment_method":
        verdict = "is allowed" if result["allowed"] else "is not allowed"
        return f"That payment {verdict}. " + " ".join([*result.get("reasons", []), *notes])
    if result.get("service_charge", 0) > 0:
        text = (f"Trade Assurance service charge paid by the supplier: US${result['service_charge']:,.2f} "
                f"({result['rate']}% of the order{', capped at US$100' if result.get('capped') else ''}).")
    else:
        text = ("No Trade Assurance service charge on orders of US$5,000 or more, but the supplier must use "
                "OneTouch as the customs clearance agent.")
    return " ".join([text, *notes])
