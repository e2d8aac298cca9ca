"""Each tool's result in words for a person: one function per tool, used by the chat, the CLI, the
JSON API (``text`` beside the structured result) and the widget alike.

Only what the result holds is said: the figures, the dates (one format, see helpbot.replies), the
rule applied and the tool's notes. A password is never part of a result, so never part of a text.
"""

from __future__ import annotations

from typing import Any

from helpbot.replies import day, figure, moment, money
from helpbot.tools.methods import METHOD_NAMES

PASSWORD_RULES = ("Password on Ecokara should meet the requirements below: 6-20 characters; only letters, numbers "
                  "and punctuation marks (except spaces); among uppercase letters, lowercase letters, numbers and "
                  "punctuation, at least 2 types included.")
_PROBLEMS = {
    "too_short": "it is shorter than 6 characters", "too_long": "it is longer than 20 characters",
    "contains_space": "it contains a space",
    "invalid_character": "it contains a character other than letters, numbers and punctuation marks",
    "too_few_types": "it uses fewer than 2 of the 4 types (uppercase, lowercase, numbers, punctuation)",
}
_ADVICE = {
    "common_password": "it is a common password, easy to guess",
    "single_dictionary_word": "it is a single dictionary word",
    "looks_like_email": "it looks like an email address",
}
_LOGISTICS = {"ecokara": "shipping with Ecokara logistics", "third_party": "shipping with a third-party vendor"}


def _notes(result: dict[str, Any]) -> list[str]:
    notes = result.get("notes") or []
    return [notes] if isinstance(notes, str) else list(notes)


def password_check(result: dict[str, Any]) -> str:
    if result["valid"]:
        text = "That password meets Ecokara's rules."
    else:
        text = "That password doesn't meet Ecokara's rules: " + "; ".join(
            _PROBLEMS.get(p, p) for p in result["problems"]) + "."
    if result.get("warnings"):
        text += " Advice: " + "; ".join(_ADVICE.get(w, w) for w in result["warnings"]) + "."
    return f"{text} {PASSWORD_RULES} (I don't store or repeat passwords.)"


def payment_arrival(result: dict[str, Any]) -> str:
    method = result.get("method_name") or str(result.get("method", "")).replace("_", " ")
    if "hours" in result:
        low, high = result["hours"]
        if len(str(result["earliest"])) > 10:  # a time of payment was given
            text = (f"Paid by {method}: the payment should arrive between {moment(result['earliest'])} and "
                    f"{moment(result['latest'])} ({low}-{high} hours after the payment succeeds and passes the check).")
        else:
            text = (f"Paid by {method}: the payment arrives {low}-{high} hours after it succeeds and passes the "
                    f"check, so normally on {day(result['earliest'])}.")
    else:
        low, high = result["working_days"]
        when = (f"on {day(result['earliest'])}" if result["earliest"] == result["latest"]
                else f"between {day(result['earliest'])} and {day(result['latest'])}")
        span = f"{low} working day" if low == high == 1 else f"{low}-{high} working days"
        text = (f"Paid by {method} on {day(result['paid_on'])}: the payment should reach the supplier {when} "
                f"({span}, counted from the day after payment).")
    return " ".join([text, *_notes(result)])


def dispute_deadlines(result: dict[str, Any]) -> str:
    steps = [s for s in result.get("timeline") or [] if isinstance(s, dict) and "date" in s]
    lines = [f"- {day(s['date'])}: {s['event']}" for s in steps]
    return "Your dispute's key dates (the day it was opened counts as day 1):\n" + "\n".join(lines)


def fee_estimate(result: dict[str, Any]) -> str:
    kind = result.get("kind")
    if kind == "pay_later":
        term = result.get("term_months")
        over = f" over {term} months" if term else ""
        text = (f"Pay Later fees on {money(result['principal'], result.get('currency', 'USD'))}{over}: between "
                f"{money(result['min_total'])} and {money(result['max_total'])} in total, depending on the "
                "monthly rate offered.")
        return " ".join([text, *_notes(result)])
    if kind == "payment_method":
        amount = f"{figure(result['amount'])} {result['currency']}"
        method = METHOD_NAMES.get(result["method"], str(result["method"]).replace("_", " "))
        if result["allowed"]:
            text = f"{method} can take a payment of {amount}."
        else:
            text = f"{method} can't take a payment of {amount}: " + " ".join(result.get("reasons", []))
        return " ".join([text, *_notes(result)])
    amount = money(result["order_amount"])
    if result.get("service_charge", 0) > 0:
        text = (f"Trade Assurance service charge on a {amount} order: {money(result['service_charge'])}, paid by the "
                f"supplier ({figure(result['rate'])}% when {_LOGISTICS.get(result.get('logistics'), 'shipping')}).")
    else:
        text = (f"No Trade Assurance service charge on a {amount} order: orders of US$5,000 or more have none, "
                "but the supplier must use OneTouch as the customs clearance agent.")
    return " ".join([text, *_notes(result)])
