"""Payment method names, their display names and the synonyms people type for them.

``normalise_method`` maps one name as typed ("T/T", "Visa", "e-Checking", "Sofort") to the
canonical id ("tt", "credit_card", "online_bank_payment", "online_transfer"); the slot
extractor uses ``METHOD_SYNONYMS`` to find a method inside a longer message.
"""

from __future__ import annotations

import re
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.inputs import shown

# Canonical id -> how the help text names it.
METHOD_NAMES: dict[str, str] = {
    "credit_card": "Credit/Debit Card",
    "online_bank_payment": "Online Bank Payment (e-Checking)",
    "tt": "T/T (Telegraphic Transfer)",
    "domestic_wire": "Domestic Wire Transfer",
    "western_union": "Western Union",
    "boleto": "Boleto",
    "pay_later": "Pay Later",
    "online_transfer": "Online Transfer",
    "apple_pay": "Apple Pay",
}

# Canonical id -> phrases, lowercase. The channels under online_transfer are the eight the
# help text lists for European buyers.
METHOD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "credit_card": (
        "credit_card", "credit card", "debit card", "credit/debit card", "card",
        "visa", "mastercard", "master card", "amex", "american express",
    ),
    "online_bank_payment": (
        "online_bank_payment", "online bank payment", "e-checking", "echecking",
        "e checking", "e-check", "echeck",
    ),
    "tt": (
        "tt", "t/t", "t.t.", "telegraphic transfer", "telegraphic", "wire transfer",
        "wire", "bank transfer", "bank wire", "swift transfer", "international wire",
    ),
    "domestic_wire": (
        "domestic_wire", "domestic wire", "domestic wire transfer", "domestic transfer",
        "local wire",
    ),
    "western_union": ("western_union", "western union", "wu"),
    "boleto": ("boleto", "boleto bancario", "boleto bancário"),
    "pay_later": ("pay_later", "pay later", "paylater", "kabbage", "kabbage loan"),
    "online_transfer": (
        "online_transfer", "online transfer", "ideal", "sofort", "trustly", "giropay",
        "payu", "p24", "przelewy24", "bancontact", "eps",
    ),
    "apple_pay": ("apple_pay", "apple pay", "applepay"),
}


def squash(text: str) -> str:
    """Lowercase letters and digits only, so "T/T", "t t" and "TT" compare equal."""
    return re.sub(r"[^0-9a-zà-ÿ]+", "", text.lower())


_LOOKUP: dict[str, str] = {
    squash(phrase): method
    for method, phrases in METHOD_SYNONYMS.items()
    for phrase in phrases
}


def normalise_method(text: Any) -> str | None:
    """The canonical method id for ``text``, or None when it names no known method."""
    if not isinstance(text, str):
        raise ToolInputError(
            "The payment method must be written as text, such as T/T or credit card.", field="method"
        )
    key = squash(text)
    if key in _LOOKUP:
        return _LOOKUP[key]
    # "paid by card", "via T/T": drop a leading preposition people type with the name.
    for prefix in ("by", "via", "with", "using", "through"):
        if key.startswith(prefix) and key[len(prefix):] in _LOOKUP:
            return _LOOKUP[key[len(prefix):]]
    return None


def require_method(text: Any, known: tuple[str, ...]) -> str:
    """The canonical id among ``known``, or ToolInputError listing them."""
    method = normalise_method(text)
    if method in known:
        return method
    raise ToolInputError(
        f"I don't know the payment method {shown(text)}. Choose from: {', '.join(sorted(known))}.", field="method"
    )
