"""For any input, a tool returns a JSON-ready dict or raises ToolInputError; nothing else."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from helpbot.tools import (
    ToolInputError,
    dispute_deadlines,
    fee_estimate,
    password_check,
    pay_later_fee,
    payment_arrival,
    payment_method_check,
    trade_assurance_fee,
)

ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(), st.decimals(), st.text(), st.binary(), st.dates(), st.datetimes(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
# Values that pass validation, mixed in so that later checks are reached too.
PLAUSIBLE = {
    "amount": st.one_of(st.sampled_from([1, 2500, 4999.99, 5000, "3,000", Decimal("1e6")]),
                        st.floats(min_value=0.01, max_value=1e9)),
    "date": st.one_of(st.sampled_from(["2026-11-20", "2028-02-29", "2026-12-31T23:00:00"]),
                      st.dates(min_value=date(1990, 1, 1), max_value=date(2199, 1, 1))),
    "method": st.sampled_from(["tt", "T/T", "credit_card", "online_bank_payment", "western_union",
                               "boleto", "pay_later", "online_transfer", "domestic_wire",
                               "apple_pay", "card", "wire"]),
    "currency": st.sampled_from(["USD", "eur", "GBP", "BRL"]),
    "country": st.sampled_from(["US", "gb", "UK", "BR", None]),
    "logistics": st.sampled_from(["ecokara", "third_party"]),
    "transfer": st.sampled_from(["domestic", "international", None]),
    "account": st.sampled_from(["1030 1234 5678", "2000123456", None]),
    "holidays": st.sampled_from([None, "HK", "US", [date(2026, 12, 25)], ()]),
    "months": st.integers(min_value=-5, max_value=70),
    "bool": st.booleans(),
}


def either(kind: str) -> st.SearchStrategy:
    return st.one_of(PLAUSIBLE[kind], ANYTHING)


def call(function, *args, **kwargs):
    try:
        result = function(*args, **kwargs)
    except ToolInputError as exc:
        assert isinstance(exc, ValueError) and str(exc)
        return None
    assert isinstance(result, dict)
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    return result


@given(ANYTHING)
def test_password_check_any_input(value) -> None:
    call(password_check, value)


@given(either("amount"), either("logistics"))
def test_trade_assurance_any_input(amount, logistics) -> None:
    call(trade_assurance_fee, amount, logistics)


@given(either("amount"), either("months"))
def test_pay_later_any_input(principal, months) -> None:
    call(pay_later_fee, principal, months)


@given(either("method"), either("amount"), either("currency"), either("country"))
def test_payment_method_any_input(method, amount, currency, country) -> None:
    call(payment_method_check, method, amount, currency=currency, buyer_country=country)


@given(st.dictionaries(st.sampled_from(["kind", "order_amount", "amount", "principal", "months",
                                        "method", "currency", "logistics", "buyer_country", "x"]),
                       st.one_of(PLAUSIBLE["amount"], ANYTHING,
                                 st.sampled_from(["pay_later", "payment_method"])), max_size=5))
def test_fee_estimate_any_input(params) -> None:
    call(fee_estimate, **params)


@settings(max_examples=150, deadline=None)  # the first HK calendar load is slow
@given(either("method"), either("date"), either("currency"), either("account"),
       either("transfer"), either("holidays"))
def test_payment_arrival_any_input(method, paid_on, currency, account, transfer, holidays) -> None:
    call(payment_arrival, method, paid_on, currency=currency, account_number=account,
         transfer=transfer, holidays=holidays)


@settings(max_examples=150, deadline=None)  # the first HK calendar load is slow
@given(either("date"), either("date"), either("date"), either("date"), either("bool"),
       either("date"), either("date"), either("holidays"))
def test_dispute_deadlines_any_input(opened, proposal, agreement, delivered, in_transit,
                                     escalated, returned, holidays) -> None:
    call(dispute_deadlines, opened, proposal_on=proposal, agreement_on=agreement,
         delivered_on=delivered, in_transit=in_transit, escalated_on=escalated,
         return_received_on=returned, holidays=holidays)


@settings(deadline=None)
@given(PLAUSIBLE["method"].filter(lambda method: method != "apple_pay"),  # no documented time
       st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
       PLAUSIBLE["transfer"], PLAUSIBLE["account"],
       st.sampled_from([None, "HK", [date(2026, 12, 25), date(2027, 1, 1)]]))
def test_arrival_earliest_not_after_latest_and_on_working_days(
        method, paid_on, transfer, account, holidays) -> None:
    from helpbot.tools import working_calendar

    currency = "EUR" if paid_on.day % 2 else "USD"
    result = payment_arrival(method, paid_on, currency=currency, transfer=transfer,
                             account_number=account, holidays=holidays)
    assert result["paid_on"] <= result["earliest"] <= result["latest"]
    if "working_days" in result:
        calendar = working_calendar(holidays)
        for key in ("earliest", "latest"):
            day = date.fromisoformat(result[key])
            assert day > paid_on and calendar.is_working_day(day)
