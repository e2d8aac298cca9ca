"""One registry of the four tools: everything the conversation, the CLI, the JSON API and the
widget need to know about each, in one :class:`ToolSpec`.

A spec holds the tool function, the question to ask for each parameter it may need, the offer
made under a knowledge answer, the phrases that mean "work this out for me", how to read its
parameters out of a message (by role: "delivered on X, opened on Y"), which parameters it still
needs, and the one function that words its result (helpbot.tools.wording).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from helpbot.tools import wording
from helpbot.tools.arrival import payment_arrival
from helpbot.tools.dates import extract_dates
from helpbot.tools.disputes import dispute_deadlines
from helpbot.tools.fees import fee_estimate
from helpbot.tools.password import password_check
from helpbot.tools.roles import extract_tool_params
from helpbot.tools.slots import extract_amounts, extract_method, extract_password

_I = re.IGNORECASE
# Money only counts when the message says it is money: "500 units" is a quantity.
_MONEY = re.compile(r"[$€£]|\b(?:usd|us\$|eur|gbp|dollars?|euros?|bucks)\b|\d\s*k\b", _I)
# A comparison right before a figure makes it a general question ("orders over $5,000").
_COMPARED_FIGURE = re.compile(r"\b(?:less|more|over|under|above|below|exceed\w*|greater|smaller|up\s+to|"
                              r"at\s+least)\s+(?:than\s+)?(?:us\s?)?[$€£]?\s?\d[\d,.]*(?:\s?k)?\b"
                              r"(?!\s*(?:months?|years?|weeks?|days?|working|%|percent))", _I)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    label: str                                    # the widget's button and form title
    function: Callable[..., dict[str, Any]]
    asks: Mapping[str, str]                       # parameter -> the question that asks for it
    offer: str                                    # said under a knowledge answer about it
    trigger: re.Pattern[str]                      # the message asks what this tool computes
    extract: Callable[[str, date], dict[str, Any]]
    required: Callable[[Mapping[str, Any]], tuple[str, ...]]
    describe: Callable[[dict[str, Any]], str]
    personal: Callable[[str], bool] = field(default=lambda text: True)
    secret: str | None = None                     # the parameter that is a secret (never kept)

    def missing(self, params: Mapping[str, Any]) -> list[str]:
        return [name for name in self.required(params) if params.get(name) is None]

    def run(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The tool on chat parameters (which are its own keyword arguments)."""
        return self.function(**dict(params))


# -- reading parameters --------------------------------------------------------------------------

def _password(text: str, today: date) -> dict[str, Any]:
    """A password the user typed, not a word of a question about passwords ("can I use my email
    as my password?"): quoted, after "password is" or a colon, or a token with digits or symbols."""
    candidate = extract_password(text)
    if not candidate:
        return {}
    escaped = re.escape(candidate)
    if re.search(rf"[\"'“”‘’`]{escaped}|pass\s*(?:word|code|phrase)\s*(?:is|:|=)\s*{escaped}|:\s*{escaped}\s*$",
                 text, _I):
        return {"password": candidate}
    return {} if re.fullmatch(r"[a-z]+", candidate) else {"password": candidate}


def _fees(text: str, today: date) -> dict[str, Any]:
    params = extract_tool_params("fee_estimate", text, today=today)
    if not _MONEY.search(text):
        for name in ("order_amount", "principal", "amount"):
            params.pop(name, None)
        params.pop("currency", None)
    return params


def _fee_required(params: Mapping[str, Any]) -> tuple[str, ...]:
    kind = params.get("kind") or "trade_assurance"
    return {"pay_later": ("principal",), "payment_method": ("method", "amount")}.get(kind, ("order_amount",))


def _dispute_required(params: Mapping[str, Any]) -> tuple[str, ...]:
    return ("opened_on", "delivered_on") if params.get("in_transit") else ("opened_on",)


def _no_figure_compared(text: str) -> bool:
    return not _COMPARED_FIGURE.search(text)


def _arrival(text: str, today: date) -> dict[str, Any]:
    return extract_tool_params("payment_arrival", text, today=today)


def _disputes(text: str, today: date) -> dict[str, Any]:
    return extract_tool_params("dispute_deadlines", text, today=today)


TOOLS: dict[str, ToolSpec] = {spec.name: spec for spec in (
    ToolSpec(
        "payment_arrival", "Payment arrival", payment_arrival,
        asks={"method": "Which payment method did you use (T/T, credit card, Online Bank Payment, Western Union, "
                        "Boleto, Pay Later or Online Transfer)?",
              "paid_on": 'On what date did you pay (for example 2026-11-20, "yesterday" or "last Friday")?'},
        offer="I can work out the arrival dates for your own payment: tell me the payment method and the date "
              "you paid.",
        trigger=re.compile(r"\b(when|how\s+long|arriv\w*|reach\w*|receiv\w*|land\w*|credited|get\s+(?:it|the\s+money))\b",
                           _I),
        extract=_arrival, required=lambda params: ("method", "paid_on"), describe=wording.payment_arrival,
    ),
    ToolSpec(
        "fee_estimate", "Fee estimate", fee_estimate,
        asks={"order_amount": "What is the order amount in US dollars (for example $3,000)?",
              "principal": "How much would you borrow with Pay Later (for example $5,000)?",
              "amount": "How much do you want to pay, and in which currency (for example 2,000 USD)?",
              "method": "Which payment method do you want to use?"},
        offer="I can estimate the charge on your own order: tell me the order amount (and whether it ships "
              "with Ecokara logistics or a third-party vendor).",
        trigger=re.compile(r"\b(fee|fees|charge\w*|cost\w*|commission|pay|interest)\b", _I),
        extract=_fees, required=_fee_required, describe=wording.fee_estimate, personal=_no_figure_compared,
    ),
    ToolSpec(
        "dispute_deadlines", "Dispute deadlines", dispute_deadlines,
        asks={"opened_on": 'On what date did you open the dispute (for example 2026-03-03 or "3 days ago")?',
              "delivered_on": "On what date was the order delivered?"},
        offer="I can work out your dispute's deadlines: tell me the date you opened the dispute.",
        trigger=re.compile(r"\b(dispute|complaint|refund)\b.*\b(when|escalat\w*|deadline|how\s+long|step\s+in|respond)\b"
                           r"|\b(when|escalat\w*|deadline)\b.*\b(dispute|complaint|refund)\b", _I),
        extract=_disputes, required=_dispute_required, describe=wording.dispute_deadlines,
    ),
    ToolSpec(
        "password_check", "Password check", password_check,
        asks={"password": "Type the password you'd like to check. I check it here and never store or repeat it."},
        offer='I can check a password against these rules: type "check my password".',
        trigger=re.compile(r"pass\s*(?:word|code|phrase)|\bpwd\b", _I),
        extract=_password, required=lambda params: ("password",), describe=wording.password_check,
        secret="password",
    ),
)}


# -- a short answer to "what is the ...?" --------------------------------------------------------

def bare_answer(name: str, text: str, today: date) -> dict[str, Any]:
    """What a short reply gives when the bot has just asked for parameter ``name`` ("3000" after
    "what is the order amount?", "the 20th" after "on what date?"); empty when it gives nothing."""
    if name in ("order_amount", "principal", "amount"):
        amounts = extract_amounts(text)
        if not amounts:
            return {}
        value, currency = amounts[0]
        return {name: value, "currency": currency} if name == "amount" else {name: value}
    if name.endswith("_on"):
        dates = extract_dates(text, today=today)
        return {name: dates[0]} if dates else {}
    if name == "method":
        method = extract_method(text)
        return {"method": method} if method else {}
    return {}
