"""Each tool's parameters read out of one message by their role: "delivered on X and opened the
dispute on Y" gives delivered_on=X and opened_on=Y, whatever their order; the Pay Later term in
months, the payment method's limit check, the logistics of an order. The result is ready to pass
to the tool as keyword arguments (helpbot.tools.spec says what is still missing).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.dates import as_text, as_today, date_spans, extract_dates
from helpbot.tools.slots import (
    extract_account_number, extract_amounts, extract_country, extract_currency, extract_logistics, extract_method,
    extract_password, extract_transfer,
)

_I = re.IGNORECASE

_ROLES = (  # dispute dates: the nearest of these words before a date names its role
    ("return_received_on", r"(?:receiv\w*|got|confirm\w*)\s+(?:the\s+)?(?:return\w*|goods\s+back)"
                           r"|return\w*\s+(?:goods\s+)?(?:was\s+|were\s+)?(?:received|arrived)"
                           r"|confirm\w*\s+(?:the\s+)?receipt"),
    ("escalated_on", r"escalat\w*"),
    ("agreement_on", r"agree\w*|settled|accepted"),
    ("proposal_on", r"propos\w*|offer\w*"),
    ("delivered_on", r"deliver\w*"),
    ("opened_on", r"open\w*|submit\w*|filed|raised|started|created|applied"),
)
_ROLE_RE = re.compile("|".join(f"(?P<{role}>{words})" for role, words in _ROLES), _I)
_MONTHS_RE = re.compile(r"\b(\d{1,2})[\s-]*months?\b", _I)
_LIMIT_RE = re.compile(r"\b(?:limit\w*|allowed|accept\w*|max\w*|can\s+(?:i|we)\s+(?:pay|use))\b",
                       _I)
TOOL_NAMES = ("password_check", "payment_arrival", "dispute_deadlines", "fee_estimate")


def _dispute_dates(message: str, today: date) -> dict[str, Any]:
    params: dict[str, Any] = {}
    previous_end = 0
    for start, end, when in date_spans(message, today):
        window = message[max(previous_end, start - 60):start]
        roles = [(m.start(), m.lastgroup) for m in _ROLE_RE.finditer(window)]
        role = max(roles)[1] if roles else "opened_on"
        params.setdefault(role or "opened_on", when)
        previous_end = end
    if re.search(r"\bin[\s-]?transit\b", message, _I):
        params["in_transit"] = True
    return params


def _fee_params(message: str) -> dict[str, Any]:
    method = extract_method(message)
    amounts = extract_amounts(message)
    if method == "pay_later" or re.search(r"\bloan\b", message, _I):
        params: dict[str, Any] = {"kind": "pay_later"}
        if amounts:
            params["principal"] = amounts[0][0]
        months = _MONTHS_RE.search(message)
        if months:
            params["months"] = int(months.group(1))
        return params
    if method in ("western_union", "domestic_wire") or (method and _LIMIT_RE.search(message)):
        params = {"kind": "payment_method", "method": method}
        if amounts:
            params["amount"], params["currency"] = amounts[0]
        country = extract_country(message)
        if country:
            params["buyer_country"] = country
        return params
    params = {"kind": "trade_assurance"}
    if amounts:
        params["order_amount"] = amounts[0][0]
    logistics = extract_logistics(message)
    if logistics:
        params["logistics"] = logistics
    return params


def extract_tool_params(tool: Any, text: Any, *, today: Any) -> dict[str, Any]:
    """The parameters of ``tool`` that the message carries, ready to pass to the tool."""
    name = _tool(tool)
    message, now = as_text(text), as_today(today)
    if name == "password_check":
        password = extract_password(message)
        return {} if password is None else {"password": password}
    if name == "dispute_deadlines":
        return _dispute_dates(message, now)
    if name == "fee_estimate":
        return _fee_params(message)
    found: dict[str, Any] = {
        "method": extract_method(message),
        "currency": extract_currency(message),
        "transfer": extract_transfer(message),
        "account_number": extract_account_number(message),
    }
    dates = extract_dates(message, today=now)
    if dates:
        found["paid_on"] = dates[0]
    return {key: value for key, value in found.items() if value is not None}


def _tool(tool: Any) -> str:
    if isinstance(tool, str) and tool in TOOL_NAMES:
        return tool
    raise ToolInputError(
        f"Unknown tool {tool!r:.40}. Known: {', '.join(sorted(TOOL_NAMES))}."
    )
