"""When a payment reaches the supplier, by payment method.

Conventions (the README quotes these):
- Working days as in helpbot.tools.calendar: Monday to Friday, no holidays unless asked
  (``holidays="HK"`` or a list of dates); "N working days after X" is the N-th working day
  strictly after X's date.
- Credit card: 1-2 hours. Pass a datetime to get ISO datetimes; a date gives that same
  date for earliest and latest, with a note (late payments may land the next day).
- Online Bank Payment (e-Checking): 4-5 working days in USD, 9-10 in EUR; other currencies
  are refused because the help text gives no time for them.
- T/T: international 3-7 working days, domestic 1-2. An account number starting with 1030
  or 1029 means international, any other means domestic; ``transfer=`` overrides it; with
  neither, international is assumed and the notes say so.
- Pay Later: 1-3 working days after the loan agreement is completed, so ``paid_on`` is read
  as that date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.calendar import working_calendar
from helpbot.tools.inputs import as_choice, as_currency, as_date, shown
from helpbot.tools.methods import METHOD_NAMES, normalise_method, require_method

# Method -> (fewest, most) working days, and the help text's sentence.
WORKING_DAYS: dict[str, tuple[int, int]] = {
    "western_union": (1, 1),
    "boleto": (2, 4),
    "pay_later": (1, 3),
    "online_transfer": (1, 3),
}
ECHECK_DAYS = {"USD": (4, 5), "EUR": (9, 10)}
TT_DAYS = {"international": (3, 7), "domestic": (1, 2)}
INTERNATIONAL_PREFIXES = ("1030", "1029")
CARD_HOURS = (1, 2)
CARD_RULE_SINCE = date(2018, 8, 2)

RULES = {
    "credit_card": "Payment arrives in 1-2 hours after payment success and check pass "
                   "(from Aug. 2, 2018 onwards).",
    "online_bank_payment": "Payment arrives in 4-5 working days after payment success and "
                           "authorization in USD, and in 9-10 working days in EUR.",
    "tt": "T/T takes 3-7 working days to reach the supplier's account for international "
          "transfer (account number starts with 1030/1029), and 1-2 working days for "
          "domestic transfer.",
    "western_union": "Payment arrives in 1 working day.",
    "boleto": "Payment arrives in 2-4 working days.",
    "pay_later": "Payment arrives in 1-3 working days after the loan agreement is completed.",
    "online_transfer": "Payment arrives in 1-3 working days.",
}
ARRIVAL_METHODS = tuple(RULES) + ("domestic_wire",)


def payment_arrival(
    method: Any,
    paid_on: Any,
    *,
    currency: Any = "USD",
    account_number: Any = None,
    transfer: Any = None,
    holidays: Any = None,
) -> dict[str, Any]:
    """The earliest and latest arrival of a payment made on ``paid_on`` by ``method``."""
    name = require_method(method, ARRIVAL_METHODS)
    paid = as_date(paid_on, name="paid_on", allow_datetime=name == "credit_card")
    code = as_currency(currency)
    account = _account(account_number)
    kind = None if transfer is None else as_choice(
        transfer, tuple(TT_DAYS), name="transfer")
    calendar = working_calendar(holidays)
    notes: list[str] = []
    if name == "domestic_wire":
        # A domestic wire is a domestic T/T; the help text gives the same 1-2 working days.
        name, kind = "tt", kind or "domestic"
    if name != "tt" and (account is not None or kind is not None):
        notes.append("The account number and the domestic or international transfer type apply to "
                     "T/T only; they were not used.")
    if name == "credit_card":
        return _card(paid, notes)

    result: dict[str, Any] = {"method": name, "method_name": METHOD_NAMES[name],
                              "paid_on": paid.isoformat()}
    if name == "online_bank_payment":
        if code not in ECHECK_DAYS:
            raise ToolInputError(
                f"Online Bank Payment (e-Checking) arrival times are known for payments in USD and "
                f"EUR only, not {code}. Tell me whether you paid in USD or EUR.", field="currency"
            )
        low, high = ECHECK_DAYS[code]
        result["currency"] = code
    elif name == "tt":
        kind = _tt_transfer(account, kind, notes)
        low, high = TT_DAYS[kind]
        result["transfer"] = kind
    else:
        low, high = WORKING_DAYS[name]
        if name == "pay_later":
            notes.append("For Pay Later, the payment date is the day the loan agreement "
                         "was completed.")
        if name == "western_union" and code != "USD":
            notes.append(f"Western Union accepts USD only, not {code}.")
    if not calendar.is_working_day(paid):
        notes.append(f"{paid:%A} {paid.day} {paid:%B %Y} is not a working day; counting starts "
                     "from the next working day.")
    notes.append(calendar.describe())
    result.update({
        "earliest": calendar.add(paid, low).isoformat(),
        "latest": calendar.add(paid, high).isoformat(),
        "working_days": [low, high],
        "holidays": calendar.label,
        "rule": RULES[name],
        "notes": notes,
    })
    return result


def _card(paid: date, notes: list[str]) -> dict[str, Any]:
    low, high = CARD_HOURS
    earliest: date
    latest: date
    if isinstance(paid, datetime):
        earliest, latest = paid + timedelta(hours=low), paid + timedelta(hours=high)
        start = paid.date()
    else:
        earliest = latest = paid
        start = paid
        notes.append("Card payments arrive 1-2 hours after payment success and check "
                     "pass, so on the same day unless paid late in the day; give the time "
                     "of payment for exact times.")
    if start < CARD_RULE_SINCE:
        notes.append("The 1-2 hour rule applies to payments from Aug. 2, 2018 onwards.")
    return {
        "method": "credit_card",
        "method_name": METHOD_NAMES["credit_card"],
        "paid_on": paid.isoformat(),
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
        "hours": [low, high],
        "rule": RULES["credit_card"],
        "notes": notes,
    }


def _account(value: Any) -> str | None:
    """The digits of an account number; spaces and hyphens between groups are allowed."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if isinstance(value, str):
        digits = re.sub(r"[\s\-]", "", value)
        if 4 <= len(digits) <= 34 and digits.isascii() and digits.isdigit():
            return digits
        raise ToolInputError(
            f"The account number {shown(value)} is not one I can read: use the digits of the "
            "beneficiary account number, such as 1030 1234 5678.", field="account_number"
        )
    raise ToolInputError(
        "The account number must be written as text, such as 1030 1234 5678.", field="account_number"
    )


def _tt_transfer(account: str | None, kind: str | None, notes: list[str]) -> str:
    """International or domestic: transfer= wins, then the account number, then a guess."""
    from_account = None
    if account is not None:
        from_account = ("international" if account.startswith(INTERNATIONAL_PREFIXES)
                        else "domestic")
    if kind is not None:
        if from_account is not None and from_account != kind:
            article = "an" if from_account == "international" else "a"
            notes.append(f"The account number suggests {article} {from_account} transfer; "
                         f"the {kind} transfer you named was used.")
        return kind
    if from_account is not None:
        notes.append("Account numbers starting with 1030 or 1029 are international "
                     "transfers; others are domestic.")
        return from_account
    notes.append("This assumes an international transfer (3-7 working days); a domestic transfer "
                 "takes 1-2. The supplier's account number tells which: international accounts "
                 "start with 1030 or 1029.")
    return "international"


__all__ = ["normalise_method", "payment_arrival"]
