from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpbot.tools import (
    ToolInputError, fee_estimate, pay_later_fee, payment_method_check, trade_assurance_fee,
)
from helpbot.tools import fees

# --- Trade Assurance service charge -----------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "logistics", "charge", "rate", "onetouch"),
    [
        (4999.99, "ecokara", 50.00, 1.0, False),  # 49.9999 rounds to 50.00
        (4999.99, "third_party", 100.00, 2.0, False),  # 99.9998 rounds to 100.00, not capped
        (5000, "ecokara", 0.0, 0.0, True),
        (5000, "third_party", 0.0, 0.0, True),
        (5000.01, "ecokara", 0.0, 0.0, True),
        (1_000_000, "third_party", 0.0, 0.0, True),
        (3000, "ecokara", 30.00, 1.0, False),
        (3000, "third_party", 60.00, 2.0, False),
        (2.5, "ecokara", 0.03, 1.0, False),  # 0.025 half-up, where banker's rounding gives 0.02
        (0.5, "ecokara", 0.01, 1.0, False),
        (1234.56, "third_party", 24.69, 2.0, False),
        (Decimal("4999.99"), "ecokara", 50.00, 1.0, False),
        ("3,000", "ecokara", 30.00, 1.0, False),
    ],
)
def test_trade_assurance_table(amount, logistics, charge, rate, onetouch) -> None:
    result = trade_assurance_fee(amount, logistics)
    assert result["service_charge"] == charge
    assert result["rate"] == rate
    assert result["onetouch_required"] is onetouch
    assert result["capped"] is False
    assert result["paid_by"] == "supplier"
    assert json.loads(json.dumps(result)) == result


@pytest.mark.parametrize(("amount", "has_note"), [(4999.99, False), (5000, True), (5000.01, False)])
def test_exactly_5000_says_how_it_was_read(amount: float, has_note: bool) -> None:
    notes = trade_assurance_fee(amount)["notes"]
    assert any("exactly US$5,000" in note for note in notes) is has_note


def test_cap_applies_when_the_uncapped_charge_is_over_100(monkeypatch: pytest.MonkeyPatch) -> None:
    # Below US$5,000 even 2% stays under the cap, so widen the band to exercise it.
    monkeypatch.setattr(fees, "TA_THRESHOLD", Decimal("100000"))
    result = trade_assurance_fee(6000, "third_party")
    assert result["service_charge"] == 100.0
    assert result["capped"] is True
    assert trade_assurance_fee(5000, "third_party")["capped"] is False  # exactly 100.00


@pytest.mark.parametrize("logistics", ["ecokara", "ECOKARA", " Ecokara ", "third-party",
                                       "Third Party", "third_party"])
def test_logistics_spellings(logistics: str) -> None:
    assert trade_assurance_fee(100, logistics)["logistics"] in ("ecokara", "third_party")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"order_amount": 0}, "greater than 0"),
        ({"order_amount": -5}, "greater than 0"),
        ({"order_amount": float("nan")}, "finite"),
        ({"order_amount": float("inf")}, "finite"),
        ({"order_amount": Decimal("sNaN")}, "finite"),
        ({"order_amount": True}, "order amount must be a number"),
        ({"order_amount": None}, "order amount must be a number"),
        ({"order_amount": "lots"}, "The order amount 'lots' is not a number; write it in figures"),
        ({"order_amount": [100]}, "order amount must be a number"),
        ({"order_amount": 1e13}, "too large"),
        ({"order_amount": 100, "logistics": "dhl"}, "Choose from: ecokara, third_party"),
        ({"order_amount": 100, "logistics": None}, "Choose from: ecokara, third_party"),
    ],
)
def test_trade_assurance_bad_input(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ToolInputError) as info:
        trade_assurance_fee(**kwargs)
    assert fragment in str(info.value)
    assert "order_amount" not in str(info.value) and info.value.field in ("order_amount", "logistics")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
       st.sampled_from(["ecokara", "third_party"]))
def test_trade_assurance_properties(amount: Decimal, logistics: str) -> None:
    result = trade_assurance_fee(amount, logistics)
    rate = Decimal(1 if logistics == "ecokara" else 2)
    expected = Decimal(0) if amount >= 5000 else min(amount * rate / 100, Decimal(100))
    assert result["service_charge"] == float(expected.quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert 0 <= result["service_charge"] <= 100
    assert result["onetouch_required"] is (amount >= 5000)


# --- Pay Later ----------------------------------------------------------------------------


def test_pay_later_six_month_schedule() -> None:
    result = pay_later_fee(10_000)
    assert result["term_months"] == 6
    assert [(m["month"], m["min_rate"], m["max_rate"]) for m in result["months"]] == [
        (1, 1.25, 2.75), (2, 1.25, 2.75), (3, 0.25, 0.75), (4, 0.25, 0.75),
        (5, 0.25, 0.75), (6, 0.25, 0.75),
    ]
    assert [(m["min_fee"], m["max_fee"]) for m in result["months"]][:3] == [
        (125.0, 275.0), (125.0, 275.0), (25.0, 75.0)]
    assert (result["min_total"], result["max_total"]) == (350.0, 850.0)


@pytest.mark.parametrize(
    ("principal", "months", "min_total", "max_total"),
    [
        (1000, 1, 2.50, 27.50),
        (1000, 3, 7.50, 82.50),
        (1000, 12, 30.00, 330.00),
        (1000, 60, 150.00, 1650.00),
        # Per month: 0.0125 -> 0.01, 0.0275 -> 0.03, then 0.0025 -> 0.00, 0.0075 -> 0.01.
        (1, 6, 0.02, 0.10),
        (2, 1, 0.01, 0.06),  # 0.25% of 2 = 0.005 -> 0.01 half-up
        ("1000", "3", 7.50, 82.50),
        (1000, 6.0, 35.00, 85.00),
    ],
)
def test_pay_later_totals(principal, months, min_total, max_total) -> None:
    result = pay_later_fee(principal, months)
    assert (result["min_total"], result["max_total"]) == (min_total, max_total)
    assert len(result["months"]) == int(months)


@pytest.mark.parametrize("months", [0, 61, -1, 6.5, True, None, "six", "", [6]])
def test_pay_later_months_must_be_1_to_60(months: object) -> None:
    with pytest.raises(ToolInputError, match="from 1 to 60"):
        pay_later_fee(1000, months)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
       st.integers(min_value=1, max_value=60))
def test_pay_later_properties(principal: Decimal, months: int) -> None:
    result = pay_later_fee(principal, months)
    assert result["min_total"] <= result["max_total"]
    assert round(sum(m["min_fee"] for m in result["months"]), 2) == result["min_total"]
    assert all(m["min_fee"] <= m["max_fee"] for m in result["months"])


# --- payment method limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "amount", "kwargs", "allowed"),
    [
        ("western_union", 2500, {"buyer_country": "US"}, True),
        ("western_union", 2500.01, {"buyer_country": "US"}, False),
        ("western_union", 100, {"buyer_country": "us"}, True),
        ("western_union", 100, {"buyer_country": "CA"}, False),
        ("western_union", 100, {"currency": "EUR", "buyer_country": "US"}, False),
        ("western_union", 100, {}, True),
        ("WU", 100, {"currency": "usd"}, True),
        ("domestic_wire", 1_000_000, {"currency": "EUR"}, True),
        ("domestic_wire", 1_000_000.01, {"currency": "EUR"}, False),
        ("domestic_wire", 5_000_000, {"currency": "USD"}, True),
        ("domestic wire", 999_999.99, {"currency": "gbp"}, True),
        ("credit_card", 1e9, {}, True),
        ("online_bank_payment", 100, {}, True),
        ("tt", 100, {}, True),
        ("T/T", 100, {}, True),
        ("boleto", 100, {"currency": "BRL"}, True),
        ("pay_later", 100, {}, True),
        ("online_transfer", 100, {"currency": "EUR"}, True),
        ("apple_pay", 100, {}, True),
    ],
)
def test_payment_method_table(method, amount, kwargs, allowed) -> None:
    result = payment_method_check(method, amount, **kwargs)
    assert result["allowed"] is allowed
    assert bool(result["reasons"]) is (not allowed)
    assert json.loads(json.dumps(result)) == result


def test_western_union_reasons_and_notes() -> None:
    refused = payment_method_check("western_union", 3000, currency="EUR", buyer_country="GB")
    assert len(refused["reasons"]) == 2  # currency and country; the USD limit needs USD
    assert any("USD only" in reason for reason in refused["reasons"])
    assert any("United States" in reason for reason in refused["reasons"])
    too_much = payment_method_check("western_union", 2500.01, buyer_country="US")
    assert "more than 2,500 USD" in too_much["reasons"][0]
    unknown = payment_method_check("western_union", 100)
    assert unknown["notes"] == [
        "Western Union is only available for buyers from the United States."]


def test_domestic_wire_notes() -> None:
    result = payment_method_check("domestic_wire", 1_000_000.01, currency="EUR", buyer_country="BR")
    assert "limited to 1,000,000" in result["reasons"][0]
    assert any("1-25 USD" in note for note in result["notes"])
    assert any("BR is not among them" in note for note in result["notes"])


def test_other_methods_note_no_documented_limit() -> None:
    assert payment_method_check("boleto", 10)["notes"] == ["No limit is documented for Boleto."]


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        (("bitcoin", 100), {}, "I don't know the payment method 'bitcoin'. Choose from: apple_pay, boleto,"),
        ((None, 100), {}, "payment method must be written as text"),
        (("tt", 0), {}, "greater than 0"),
        (("tt", 100), {"currency": "US"}, "use 3 letters such as USD or EUR"),
        (("tt", 100), {"currency": 840}, "use 3 letters such as USD or EUR"),
        (("tt", 100), {"buyer_country": "USA"}, "use two letters such as US or GB"),
        (("tt", 100), {"buyer_country": 1}, "use two letters such as US or GB"),
    ],
)
def test_payment_method_bad_input(args, kwargs, fragment) -> None:
    with pytest.raises(ToolInputError) as info:
        payment_method_check(*args, **kwargs)
    assert fragment in str(info.value)


# --- fee_estimate dispatch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "kind", "key", "value"),
    [
        ({"order_amount": 3000}, "trade_assurance", "service_charge", 30.0),
        ({"kind": "trade_assurance", "amount": 3000, "logistics": "third_party"},
         "trade_assurance", "service_charge", 60.0),
        ({"kind": None, "order_amount": 3000}, "trade_assurance", "rate", 1.0),
        ({"kind": "pay_later", "principal": 1000, "months": 3}, "pay_later", "min_total", 7.5),
        ({"kind": "Pay Later", "amount": 10000}, "pay_later", "max_total", 850.0),
        ({"kind": "payment_method", "method": "western_union", "amount": 2500.01},
         "payment_method", "allowed", False),
    ],
)
def test_fee_estimate_dispatch(params, kind, key, value) -> None:
    result = fee_estimate(**params)
    assert result["kind"] == kind
    assert result[key] == value


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"kind": "shipping"}, "Choose from: trade_assurance, pay_later, payment_method"),
        ({"kind": 3}, "Choose from: trade_assurance"),
        ({}, "needs the order amount"),
        ({"kind": "payment_method", "amount": 5}, "needs the payment method"),
        ({"order_amount": 5, "months": 3}, "Unknown parameter 'months'"),
        ({"kind": "pay_later", "principal": 5, "logistics": "x"}, "Known: kind, principal, months"),
    ],
)
def test_fee_estimate_bad_input(params, fragment) -> None:
    with pytest.raises(ToolInputError) as info:
        fee_estimate(**params)
    assert fragment in str(info.value)
