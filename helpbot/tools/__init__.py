"""The actionable tools: password rules, fees, dispute deadlines and payment arrival.

Every tool validates its input and raises ToolInputError (a ValueError) with a message a
user can act on; nothing else escapes. Results are JSON-ready dicts: dates as ISO-8601
strings, money as floats rounded half-up to cents, and a "rule" or "notes" text quoting
the help-text rule applied. The conventions are in each module's docstring.
"""

from __future__ import annotations

from helpbot.errors import ToolInputError
from helpbot.tools.arrival import payment_arrival
from helpbot.tools.calendar import (
    WorkingDays, add_working_days, is_working_day, working_calendar,
)
from helpbot.tools.disputes import dispute_deadlines
from helpbot.tools.fees import (
    fee_estimate, pay_later_fee, payment_method_check, trade_assurance_fee,
)
from helpbot.tools.methods import normalise_method
from helpbot.tools.password import password_check

# The tools by the names the chat and the API call them.
TOOLS = {
    "password_check": password_check,
    "fee_estimate": fee_estimate,
    "dispute_deadlines": dispute_deadlines,
    "payment_arrival": payment_arrival,
}

__all__ = [
    "TOOLS",
    "ToolInputError",
    "WorkingDays",
    "add_working_days",
    "dispute_deadlines",
    "fee_estimate",
    "is_working_day",
    "normalise_method",
    "pay_later_fee",
    "password_check",
    "payment_arrival",
    "payment_method_check",
    "trade_assurance_fee",
    "working_calendar",
]
