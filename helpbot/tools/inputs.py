"""Validation shared by the tools: dates, money, choices and codes.

Every checker here either returns a clean value or raises ToolInputError with a message
that names the parameter, the bad value (shortened), what is accepted and an example.
Tools call these first, so nothing but ToolInputError can escape from a tool.

Conventions:
- Dates are ``datetime.date`` objects or ISO-8601 strings ("2026-11-20"); a datetime is
  accepted where a date is expected and its date part is used. Dates must fall between
  1990-01-01 and 2199-12-31, which keeps every "+N days" inside what ``date`` can hold.
- Money is read into ``Decimal`` (a float through its shortest repr, so 4999.99 stays
  4999.99) and must be finite, positive and at most 1,000,000,000,000. Results are floats
  rounded half-up to cents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from helpbot.errors import ToolInputError

DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2199, 12, 31)
MAX_AMOUNT = Decimal("1000000000000")
CENT = Decimal("0.01")

# How a person calls each parameter: error messages name these, never the parameter itself.
LABELS = {
    "paid_on": "payment date", "opened_on": "date the dispute was opened", "delivered_on": "delivery date",
    "proposal_on": "date of the proposal", "agreement_on": "date of the agreement",
    "escalated_on": "date of the escalation", "return_received_on": "date the returned goods were received",
    "order_amount": "order amount", "principal": "loan amount", "amount": "payment amount",
    "months": "loan term in months", "currency": "currency", "buyer_country": "country",
    "account_number": "account number", "method": "payment method", "transfer": "transfer type",
    "logistics": "shipping choice", "in_transit": "in-transit choice", "password": "password",
    "holidays": "holiday calendar", "kind": "kind of fee",
}


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


_CURRENCY_RE = re.compile(r"[A-Za-z]{3}")
_COUNTRY_RE = re.compile(r"[A-Za-z]{2}")
# People write UK; ISO 3166 says GB.
_COUNTRY_ALIASES = {"UK": "GB"}


def shown(value: Any, *, limit: int = 40) -> str:
    """A short repr of a bad value for an error message (never used for passwords)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def as_date(value: Any, *, name: str, allow_datetime: bool = False) -> date:
    """A date (or, with ``allow_datetime``, a datetime kept as is) from a date or ISO string."""
    example = "a date written YYYY-MM-DD, such as 2026-11-20"
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed: date = date.fromisoformat(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise ToolInputError(
                    f"The {label(name)} {shown(value)} is not a date I can read. Use {example}.", field=name
                ) from None
        value = parsed
    if isinstance(value, datetime):
        checked = value.date()
    elif isinstance(value, date):
        checked = value
    else:
        raise ToolInputError(f"The {label(name)} must be {example}.", field=name)
    if not DATE_MIN <= checked <= DATE_MAX:
        raise ToolInputError(
            f"The {label(name)} {checked.isoformat()} is out of range. "
            f"Use a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}.", field=name
        )
    if isinstance(value, datetime) and not allow_datetime:
        return checked
    return value


def as_optional_date(value: Any, *, name: str) -> date | None:
    return None if value is None else as_date(value, name=name)


def as_amount(value: Any, *, name: str) -> Decimal:
    """A positive, finite amount of money as a Decimal."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ToolInputError(
            f"The {label(name)} must be a number such as 3000 or 4999.99.", field=name
        )
    try:
        if isinstance(value, str):
            # Accept "3,000.50" as typed by people; Decimal itself accepts "1_000".
            amount = Decimal(value.strip().replace(",", ""))
        elif isinstance(value, float):
            amount = Decimal(repr(value))
        else:
            amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise ToolInputError(
            f"The {label(name)} {shown(value)} is not a number; write it in figures, such as 3000 or 4999.99.",
            field=name,
        ) from None
    if not amount.is_finite():
        raise ToolInputError(
            f"The {label(name)} {shown(value)} must be a finite number such as 3000.", field=name
        )
    if amount <= 0:
        raise ToolInputError(
            f"The {label(name)} {shown(value)} must be greater than 0.", field=name
        )
    if amount > MAX_AMOUNT:
        raise ToolInputError(
            f"The {label(name)} {shown(value)} is too large: the limit is 1,000,000,000,000.", field=name
        )
    return amount


def money(amount: Decimal) -> float:
    """Cents, rounded half-up, as a JSON-ready float."""
    return float(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def as_int(value: Any, *, name: str, low: int, high: int) -> int:
    """A whole number in [low, high]; integral floats and digit strings are accepted."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise ToolInputError(
            f"The {label(name)} {shown(value)} must be a whole number from {low} to {high}.", field=name
        )
    return number


def as_choice(value: Any, choices: Iterable[str], *, name: str) -> str:
    """One of ``choices``, compared case-insensitively with '-' and ' ' read as '_'."""
    options = list(choices)
    if isinstance(value, str):
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())
        if key in options:
            return key
    raise ToolInputError(
        f"Unknown {label(name)} {shown(value)}. Choose from: {', '.join(options)}.", field=name
    )


def as_currency(value: Any, *, name: str = "currency") -> str:
    """A 3-letter currency code, upper-cased."""
    if isinstance(value, str) and _CURRENCY_RE.fullmatch(value.strip()):
        return value.strip().upper()
    raise ToolInputError(
        f"The {label(name)} {shown(value)} is not a currency code; use 3 letters such as USD or EUR.", field=name
    )


def as_country(value: Any, *, name: str = "buyer_country") -> str:
    """An ISO 3166 alpha-2 country code, upper-cased ("UK" is read as "GB")."""
    if isinstance(value, str) and _COUNTRY_RE.fullmatch(value.strip()):
        code = value.strip().upper()
        return _COUNTRY_ALIASES.get(code, code)
    raise ToolInputError(
        f"The {label(name)} {shown(value)} is not a country code; use two letters such as US or GB.", field=name
    )


def as_bool(value: Any, *, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ToolInputError(f"The {label(name)} must be true or false, not {shown(value)}.", field=name)
