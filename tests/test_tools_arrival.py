from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from helpbot.tools import ToolInputError, normalise_method, payment_arrival
from helpbot.tools.arrival import normalise_method as arrival_normalise_method


@pytest.mark.parametrize(
    ("method", "paid_on", "kwargs", "earliest", "latest", "days"),
    [
        ("boleto", "2026-11-20", {}, "2026-11-24", "2026-11-26", [2, 4]),  # the docs' example
        ("western_union", "2026-11-20", {}, "2026-11-23", "2026-11-23", [1, 1]),  # Friday
        ("western_union", "2026-11-21", {}, "2026-11-23", "2026-11-23", [1, 1]),  # Saturday
        ("western_union", "2026-11-22", {}, "2026-11-23", "2026-11-23", [1, 1]),  # Sunday
        ("online_transfer", "2026-12-30", {}, "2026-12-31", "2027-01-04", [1, 3]),  # year end
        ("pay_later", "2026-11-26", {}, "2026-11-27", "2026-12-01", [1, 3]),  # month end
        ("online_bank_payment", "2026-11-23", {}, "2026-11-27", "2026-11-30", [4, 5]),
        ("online_bank_payment", "2026-11-23", {"currency": "eur"}, "2026-12-04", "2026-12-07",
         [9, 10]),
        ("tt", "2026-11-20", {"transfer": "international"}, "2026-11-25", "2026-12-01", [3, 7]),
        ("tt", "2026-11-20", {"transfer": "domestic"}, "2026-11-23", "2026-11-24", [1, 2]),
        ("boleto", "2028-02-28", {}, "2028-03-01", "2028-03-03", [2, 4]),  # leap day inside
        ("western_union", "2028-02-28", {}, "2028-02-29", "2028-02-29", [1, 1]),
        ("western_union", "2028-02-29", {}, "2028-03-01", "2028-03-01", [1, 1]),
        ("boleto", date(2026, 11, 20), {}, "2026-11-24", "2026-11-26", [2, 4]),
        ("boleto", datetime(2026, 11, 20, 18), {}, "2026-11-24", "2026-11-26", [2, 4]),
        ("domestic_wire", "2026-11-20", {}, "2026-11-23", "2026-11-24", [1, 2]),
    ],
)
def test_arrival_table(method, paid_on, kwargs, earliest, latest, days) -> None:
    result = payment_arrival(method, paid_on, **kwargs)
    assert (result["earliest"], result["latest"], result["working_days"]) == (
        earliest, latest, days)
    assert result["rule"] and isinstance(result["notes"], list)
    assert json.loads(json.dumps(result)) == result


@pytest.mark.parametrize(
    ("account", "transfer", "expected", "note"),
    [
        ("1030 1234 5678", None, "international", "1030 or 1029"),
        ("1029-0000-1111", None, "international", "1030 or 1029"),
        (10301234, None, "international", "1030 or 1029"),
        ("2000 1234 5678", None, "domestic", "1030 or 1029"),
        (None, "domestic", "domestic", None),
        (None, "International", "international", None),
        ("1030 1234 5678", "domestic", "domestic", "suggests an international"),
        (None, None, "international", "assumes an international transfer"),
    ],
)
def test_tt_international_or_domestic(account, transfer, expected, note) -> None:
    result = payment_arrival("tt", "2026-11-20", account_number=account, transfer=transfer)
    assert result["transfer"] == expected
    assert result["working_days"] == ([3, 7] if expected == "international" else [1, 2])
    if note:
        assert any(note in text for text in result["notes"])


def test_account_and_transfer_are_ignored_for_other_methods() -> None:
    result = payment_arrival("boleto", "2026-11-20", account_number="1030", transfer="domestic")
    assert "transfer" not in result
    assert any("T/T only" in note for note in result["notes"])


@pytest.mark.parametrize(
    ("paid_on", "earliest", "latest", "note"),
    [
        (datetime(2026, 11, 20, 23, 30), "2026-11-21T00:30:00", "2026-11-21T01:30:00", None),
        ("2026-11-20T10:00:00", "2026-11-20T11:00:00", "2026-11-20T12:00:00", None),
        (datetime(2026, 11, 20, 10, tzinfo=timezone(timedelta(hours=8))),
         "2026-11-20T11:00:00+08:00", "2026-11-20T12:00:00+08:00", None),
        (date(2026, 11, 20), "2026-11-20", "2026-11-20", "1-2 hours"),
        (date(2018, 8, 1), "2018-08-01", "2018-08-01", "from Aug. 2, 2018 onwards"),
    ],
)
def test_credit_card_hours(paid_on, earliest, latest, note) -> None:
    result = payment_arrival("credit_card", paid_on)
    assert (result["earliest"], result["latest"], result["hours"]) == (earliest, latest, [1, 2])
    assert "working_days" not in result
    if note:
        assert any(note in text for text in result["notes"])


def test_pay_later_counts_from_the_loan_agreement() -> None:
    notes = payment_arrival("pay_later", "2026-11-20")["notes"]
    assert any("loan agreement" in note for note in notes)


def test_weekend_payment_is_noted() -> None:
    notes = payment_arrival("boleto", "2026-11-21")["notes"]
    assert any("not a working day" in note for note in notes)


@pytest.mark.parametrize(
    ("holidays", "earliest", "latest", "label"),
    [
        (None, "2026-12-25", "2026-12-28", None),
        ("HK", "2026-12-28", "2026-12-29", "HK public holidays"),
        ("hk", "2026-12-28", "2026-12-29", "HK public holidays"),
        ([date(2026, 12, 25)], "2026-12-28", "2026-12-29", "1 given holiday date"),
        (["2026-12-25", "2026-12-28"], "2026-12-29", "2026-12-30", "2 given holiday dates"),
        ((), "2026-12-25", "2026-12-28", "0 given holiday dates"),
    ],
)
def test_holiday_calendars(holidays, earliest, latest, label) -> None:
    result = payment_arrival("tt", "2026-12-24", transfer="domestic", holidays=holidays)
    assert (result["earliest"], result["latest"], result["holidays"]) == (earliest, latest, label)


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        (("bitcoin", "2026-11-20"), {}, "I don't know the payment method 'bitcoin'. Choose from: boleto,"),
        (("apple_pay", "2026-11-20"), {}, "I don't know the payment method 'apple_pay'"),
        ((42, "2026-11-20"), {}, "payment method must be written as text"),
        (("boleto", None), {}, "The payment date must be a date written YYYY-MM-DD"),
        (("boleto", "20/11/2026"), {}, "The payment date '20/11/2026' is not a date I can read"),
        (("boleto", "9999-12-31"), {}, "out of range"),
        (("online_bank_payment", "2026-11-20"), {"currency": "GBP"}, "USD and EUR only, not GBP"),
        (("boleto", "2026-11-20"), {"currency": "dollars"}, "use 3 letters such as USD or EUR"),
        (("tt", "2026-11-20"), {"transfer": "express"}, "Choose from: international, domestic"),
        (("tt", "2026-11-20"), {"account_number": "abc"}, "The account number 'abc' is not one I can read"),
        (("tt", "2026-11-20"), {"account_number": 1.5}, "account number must be written as text"),
        (("tt", "2026-11-20"), {"account_number": True}, "account number must be written as text"),
        (("tt", "2026-11-20"), {"holidays": "XX"}, "Unknown holiday calendar 'XX'"),
        (("tt", "2026-11-20"), {"holidays": "H"}, "Invalid holiday calendar 'H'"),
        (("tt", "2026-11-20"), {"holidays": 2026}, "holidays must be None"),
        (("tt", "2026-11-20"), {"holidays": ["soon"]}, "'soon' is not a date I can read"),
        (("tt", "2199-12-30"), {}, "runs past 2199-12-31"),
    ],
)
def test_bad_input(args, kwargs, fragment) -> None:
    with pytest.raises(ToolInputError) as info:
        payment_arrival(*args, **kwargs)
    assert fragment in str(info.value)
    # Buyers read these messages (the chat and the widget show them): no parameter names.
    assert not any(name in str(info.value) for name in ("paid_on", "account_number", "currency="))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"method": "bitcoin", "paid_on": "2026-11-20"}, "method"),
    ({"method": "boleto", "paid_on": "someday"}, "paid_on"),
    ({"method": "boleto", "paid_on": "2026-11-20", "currency": "dollars"}, "currency"),
    ({"method": "tt", "paid_on": "2026-11-20", "account_number": "abc"}, "account_number"),
    ({"method": "tt", "paid_on": "2026-11-20", "transfer": "express"}, "transfer"),
])
def test_bad_input_names_its_field_for_programs(kwargs, field) -> None:
    with pytest.raises(ToolInputError) as info:
        payment_arrival(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("wire", "tt"), ("Bank Transfer", "tt"), ("TT", "tt"), ("T/T", "tt"),
        ("telegraphic", "tt"), ("telegraphic transfer", "tt"),
        ("card", "credit_card"), ("Visa", "credit_card"), ("MasterCard", "credit_card"),
        ("credit card", "credit_card"), ("debit card", "credit_card"),
        ("e-Checking", "online_bank_payment"), ("echecking", "online_bank_payment"),
        ("Online Bank Payment", "online_bank_payment"),
        ("WU", "western_union"), ("western union", "western_union"),
        ("iDeal", "online_transfer"), ("Sofort", "online_transfer"), ("Trustly", "online_transfer"),
        ("Giropay", "online_transfer"), ("PayU", "online_transfer"), ("P24", "online_transfer"),
        ("Bancontact", "online_transfer"), ("EPS", "online_transfer"),
        ("boleto", "boleto"), ("Boleto", "boleto"),
        ("pay later", "pay_later"), ("PayLater", "pay_later"), ("Kabbage", "pay_later"),
        ("by card", "credit_card"), ("via T/T", "tt"),
        ("domestic wire", "domestic_wire"), ("apple pay", "apple_pay"),
        ("bitcoin", None), ("", None), ("cash", None),
    ],
)
def test_normalise_method(text: str, method: str | None) -> None:
    assert normalise_method(text) == method
    assert arrival_normalise_method is normalise_method


@pytest.mark.parametrize("synonym", ["wire", "Visa", "e-checking", "Sofort", "Kabbage", "WU"])
def test_arrival_accepts_synonyms(synonym: str) -> None:
    assert payment_arrival(synonym, "2026-11-20")["method"] == normalise_method(synonym)


def test_normalise_method_refuses_non_text() -> None:
    with pytest.raises(ToolInputError, match="must be written as text"):
        normalise_method(None)
