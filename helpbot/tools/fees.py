"""Fee estimates: the Trade Assurance service charge, Pay Later fees, payment method limits.

Conventions (the README quotes these):
- Money is in US dollars unless a currency is given, read exactly (Decimal) and returned
  as floats rounded half-up to cents. Rates are percentages: 1.0 means 1%.
- Trade Assurance: the help text says "less than" and "more than" US$5,000; an order of
  exactly US$5,000 is treated as "more than" (no service charge, OneTouch required) and the
  result says so in "notes". ``capped`` is True only when the uncapped charge is above
  US$100 (2% of 4,999.99 is 99.9998, which rounds to 100.00 but is not capped).
- Pay Later: every month's fee is principal x that month's rate, as if the whole principal
  stays outstanding for the term; totals are sums of the rounded monthly fees.
- Western Union: "unavailable for payment amount more than 2500 USD", so 2,500 is allowed.
  Domestic wire: no limit in USD; in any other currency the amount (in that currency) may
  be at most 1,000,000, as the help text's "up to US $1000,000" is read.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.inputs import (
    as_amount, as_choice, as_country, as_currency, as_int, label, money,
)
from helpbot.tools.methods import METHOD_NAMES, require_method

LOGISTICS = ("ecokara", "third_party")
TA_THRESHOLD = Decimal("5000")
TA_RATES = {"ecokara": Decimal("1"), "third_party": Decimal("2")}
TA_CAP = Decimal("100")
TA_RULE = (
    "Orders less than US $5000: the supplier pays a service charge of 1% when shipping "
    "through Ecokara logistics and 2% through a third-party vendor, capped at US $100. "
    "Orders more than US $5000: no service charge, but the supplier must use OneTouch as "
    "the customs clearance agency."
)

MAX_TERM_MONTHS = 60
PAY_LATER_RULE = (
    "Monthly fee rates vary between 0.25% - 2.75%. On a 6-month term the rate is "
    "1.25% - 2.75% per month for the first 2 months and 0.25% - 0.75% per month for the "
    "last 4 months. The monthly fee equals the principal multiplied by the monthly fee rate."
)

PAYMENT_METHODS = (
    "apple_pay", "boleto", "credit_card", "domestic_wire", "online_bank_payment",
    "online_transfer", "pay_later", "tt", "western_union",
)
WU_LIMIT_USD = Decimal("2500")
DOMESTIC_WIRE_LIMIT = Decimal("1000000")
WU_RULE = (
    "Western Union payment accepts USD only, is only available for buyers from the United "
    "States, and is unavailable for payment amounts more than 2500 USD."
)
DOMESTIC_WIRE_RULE = (
    "Domestic wire transfer: no limitation for payments in USD and up to US $1000,000 for "
    "other currencies; fee approximately 1-25 USD, charged by the remitting bank."
)
# The help text: "US, Australia, Canada, UK, Japan, New Zealand, and other European countries".
DOMESTIC_WIRE_COUNTRIES = frozenset(
    "US AU CA GB JP NZ AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GI GR HR HU IE IS "
    "IT LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS SE SI SK SM UA VA".split()
)


def trade_assurance_fee(order_amount: Any, logistics: Any = "ecokara") -> dict[str, Any]:
    """The supplier's Trade Assurance service charge for an order in US dollars."""
    amount = as_amount(order_amount, name="order_amount")
    shipping = as_choice(logistics, LOGISTICS, name="logistics")
    notes: list[str] = []
    if amount >= TA_THRESHOLD:
        if amount == TA_THRESHOLD:
            notes.append(
                "The help text covers orders 'less than' and 'more than' US$5,000; an order "
                "of exactly US$5,000 is treated as 'more than': no service charge, OneTouch "
                "required."
            )
        return {
            "order_amount": money(amount),
            "currency": "USD",
            "logistics": shipping,
            "service_charge": 0.0,
            "rate": 0.0,
            "capped": False,
            "onetouch_required": True,
            "paid_by": "supplier",
            "rule": TA_RULE,
            "notes": notes,
        }
    rate = TA_RATES[shipping]
    uncapped = amount * rate / 100
    capped = uncapped > TA_CAP
    if capped:
        notes.append("The service charge is capped at US$100.")
    return {
        "order_amount": money(amount),
        "currency": "USD",
        "logistics": shipping,
        "service_charge": money(min(uncapped, TA_CAP)),
        "rate": float(rate),
        "capped": capped,
        "onetouch_required": False,
        "paid_by": "supplier",
        "rule": TA_RULE,
        "notes": notes,
    }


def _pay_later_rates(month: int, term: int) -> tuple[Decimal, Decimal]:
    if term == 6:
        return (Decimal("1.25"), Decimal("2.75")) if month <= 2 else (
            Decimal("0.25"), Decimal("0.75"))
    return Decimal("0.25"), Decimal("2.75")


def pay_later_fee(principal: Any, months: Any = 6) -> dict[str, Any]:
    """The range of Pay Later monthly fees, month by month, for a loan of ``principal``."""
    amount = as_amount(principal, name="principal")
    term = as_int(months, name="months", low=1, high=MAX_TERM_MONTHS)
    schedule = []
    min_total = max_total = Decimal("0")
    for month in range(1, term + 1):
        low, high = _pay_later_rates(month, term)
        low_fee = Decimal(str(money(amount * low / 100)))
        high_fee = Decimal(str(money(amount * high / 100)))
        min_total += low_fee
        max_total += high_fee
        schedule.append({
            "month": month,
            "min_rate": float(low),
            "max_rate": float(high),
            "min_fee": float(low_fee),
            "max_fee": float(high_fee),
        })
    notes = [
        "Assumes the whole principal stays outstanding for the term; fees are charged only "
        "for months with a balance on the loan.",
        "The actual rate depends on the creditworthiness of the business.",
        "APRs for Kabbage loans under the Pay Later program are under 30%.",
    ]
    if term != 6:
        notes.append("Rates for terms other than 6 months are documented only as 0.25%-2.75%.")
    return {
        "principal": money(amount),
        "currency": "USD",
        "term_months": term,
        "min_total": money(min_total),
        "max_total": money(max_total),
        "months": schedule,
        "rule": PAY_LATER_RULE,
        "notes": notes,
    }


def payment_method_check(
    method: Any,
    amount: Any,
    # Positional too: the published signature is payment_method_check(method, amount,
    # currency="USD", buyer_country=None), and outside checks call it that way.
    currency: Any = "USD",
    buyer_country: Any = None,
) -> dict[str, Any]:
    """Whether ``method`` can pay ``amount`` in ``currency``, with the reasons if not."""
    name = require_method(method, PAYMENT_METHODS)
    value = as_amount(amount, name="amount")
    code = as_currency(currency)
    country = None if buyer_country is None else as_country(buyer_country)
    reasons: list[str] = []
    notes: list[str] = []
    rule = f"No limit is documented for {METHOD_NAMES[name]}."
    if name == "western_union":
        rule = WU_RULE
        if code != "USD":
            reasons.append(f"Western Union accepts USD only, not {code}; pay in USD or "
                           "choose another method such as T/T.")
        if country is None:
            notes.append("Western Union is only available for buyers from the United States.")
        elif country != "US":
            reasons.append(f"Western Union is only available for buyers from the United "
                           f"States (US), not {country}; choose another method such as T/T.")
        if code == "USD" and value > WU_LIMIT_USD:
            reasons.append(f"Western Union is unavailable for payments more than 2,500 USD "
                           f"(this one is {_figure(value)} USD).")
    elif name == "domestic_wire":
        rule = DOMESTIC_WIRE_RULE
        if code == "USD":
            notes.append("There is no limit for domestic wire transfers in USD.")
        elif value > DOMESTIC_WIRE_LIMIT:
            reasons.append(f"Domestic wire transfers in {code} are limited to 1,000,000 "
                           f"(this one is {_figure(value)} {code}); pay in USD, which has no "
                           "limit, or split the payment.")
        notes.append("The fee is approximately 1-25 USD, charged by the remitting bank.")
        if country is not None and country not in DOMESTIC_WIRE_COUNTRIES:
            notes.append(f"Domestic wire transfer is offered in the US, Australia, Canada, "
                         f"the UK, Japan, New Zealand and other European countries; "
                         f"{country} is not among them.")
    else:
        notes.append(f"No limit is documented for {METHOD_NAMES[name]}.")
    return {
        "method": name,
        "amount": money(value),
        "currency": code,
        "buyer_country": country,
        "allowed": not reasons,
        "reasons": reasons,
        "notes": notes,
        "rule": rule,
    }


def _figure(amount: Decimal) -> str:
    return f"{money(amount):,.2f}"


_Kind = tuple[Callable[..., dict[str, Any]], tuple[str, ...], tuple[str, ...]]
_KINDS: dict[str, _Kind] = {
    "trade_assurance": (trade_assurance_fee, ("order_amount",), ("logistics",)),
    "pay_later": (pay_later_fee, ("principal",), ("months",)),
    "payment_method": (
        payment_method_check, ("method", "amount"), ("currency", "buyer_country")),
}
# A chat or API caller often says "amount" for whichever figure the kind needs.
_AMOUNT_ALIASES = {"trade_assurance": "order_amount", "pay_later": "principal"}


def fee_estimate(**params: Any) -> dict[str, Any]:
    """The "fee_estimate" tool: ``kind`` picks trade_assurance (default), pay_later or
    payment_method, and the other parameters go to that function."""
    kind = params.pop("kind", "trade_assurance")
    if kind is None:
        kind = "trade_assurance"
    kind = as_choice(kind, _KINDS, name="kind")
    function, required, optional = _KINDS[kind]
    alias = _AMOUNT_ALIASES.get(kind)
    if alias and "amount" in params and alias not in params:
        params[alias] = params.pop("amount")
    unknown = sorted(set(params) - set(required) - set(optional))
    if unknown:
        raise ToolInputError(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} for fee_estimate kind {kind!r}. "
            f"Known: {', '.join(('kind',) + required + optional)}.", field=unknown[0]
        )
    missing = [name for name in required if params.get(name) is None]
    if missing:
        raise ToolInputError(
            f"This estimate needs the {' and the '.join(label(m) for m in missing)} "
            f"(fee_estimate({_EXAMPLES[kind]}), for example).", field=missing[0]
        )
    return {"kind": kind, **function(**params)}


_EXAMPLES = {
    "trade_assurance": "kind='trade_assurance', order_amount=3000, logistics='ecokara'",
    "pay_later": "kind='pay_later', principal=10000, months=6",
    "payment_method": "kind='payment_method', method='western_union', amount=2000",
}
