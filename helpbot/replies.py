"""Every sentence the bot says that is not a knowledge answer: in buyer language, one date format.

The CLI chat, the JSON API and the widget all show these words as they are; nothing downstream
rewords a reply. Dates read "Tuesday 24 November 2026" everywhere, money "US$3,000.00".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from helpbot.models import Suggestion

# Said once, in words that fit every surface: the widget shows a "Talk to an agent" button under
# the reply, the terminal chat takes "agent" typed; neither promises that someone joins at once.
AGENT_OFFER = "You can also ask to talk to an agent."
EMPTY_QUESTION = 'Please type a question, for example "how do I post an RFQ?"'
TOOL_FAILED = "I couldn't work that out: {reason}"
CURRENCY_PREFIX = {"USD": "US$", "EUR": "€", "GBP": "£"}


def day(value: date | str) -> str:
    """ "2026-11-24" -> "Tuesday 24 November 2026" (a datetime keeps only its date)."""
    when = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if isinstance(when, datetime):
        when = when.date()
    return f"{when:%A} {when.day} {when:%B %Y}"


def moment(value: datetime | str) -> str:
    """ "2026-11-20T11:00:00" -> "Friday 20 November 2026 at 11:00"."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{day(when.date())} at {when:%H:%M}"


def money(amount: float | Decimal | int | str, currency: str = "USD") -> str:
    """3000 -> "US$3,000.00"; 900, "EUR" -> "€900.00"; 5, "JPY" -> "5.00 JPY"."""
    value = f"{Decimal(str(amount)):,.2f}"
    prefix = CURRENCY_PREFIX.get(currency.upper())
    return f"{prefix}{value}" if prefix else f"{value} {currency.upper()}"


def figure(amount: float | Decimal | int | str) -> str:
    """A plain figure with thousands separators and no needless decimals: 20000.0 -> "20,000"."""
    value = Decimal(str(amount))
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"


# The options of a clarify or fallback reply travel as its suggestions, never in its text: the
# widget shows them as buttons and the CLI prints them as a numbered list, each exactly once.

def clarify(options: Sequence[Suggestion]) -> str:
    return "Did you mean one of these?" if len(options) > 1 else "Did you mean this?"


def fallback(options: Sequence[Suggestion]) -> str:
    if options:
        return f"Sorry, I don't know the answer to that one. These help articles may be related. {AGENT_OFFER}"
    return f"Sorry, I don't know the answer to that one. Try asking in other words. {AGENT_OFFER}"


def tool_failed(reason: str) -> str:
    return TOOL_FAILED.format(reason=reason)


def unchanged(change: str, text: str) -> str:
    """A re-run whose new figure changes nothing: say so instead of repeating the same reply."""
    return f"{change} doesn't change the result: {text}"
