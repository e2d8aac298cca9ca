from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpbot.tools import dates, roles, slots
from helpbot.tools.spec import TOOLS
from helpbot.tools import ToolInputError

TODAY = date(2026, 11, 26)  # a Thursday
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I paid by T/T", "tt"),
        ("sent a wire yesterday", "tt"),
        ("paid via bank transfer", "tt"),
        ("telegraphic transfer", "tt"),
        ("I used my Visa", "credit_card"),
        ("paid with a credit card", "credit_card"),
        ("debit card payment", "credit_card"),
        ("paid by card", "credit_card"),
        ("e-Checking payment", "online_bank_payment"),
        ("echecking", "online_bank_payment"),
        ("Online Bank Payment", "online_bank_payment"),
        ("paid with WU", "western_union"),
        ("Western Union", "western_union"),
        ("paid with iDeal", "online_transfer"),
        ("Sofort", "online_transfer"),
        ("through P24", "online_transfer"),
        ("EPS transfer", "online_transfer"),
        ("boleto on Monday", "boleto"),
        ("Pay Later loan", "pay_later"),
        ("kabbage", "pay_later"),
        ("domestic wire transfer", "domestic_wire"),
        ("paid by card, then a wire", "credit_card"),  # the first named wins
        ("is that ideal?", None),  # the English word is not the payment brand
        ("eps and wu in lower case", None),
        ("when will my money arrive", None),
    ],
)
def test_extract_method(text: str, expected: str | None) -> None:
    assert slots.extract_method(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("paid on 2026-11-20", [date(2026, 11, 20)]),
        ("paid on 2026/11/20", [date(2026, 11, 20)]),
        ("Nov 3", [date(2026, 11, 3)]),
        ("November 3", [date(2026, 11, 3)]),
        ("Nov. 3rd", [date(2026, 11, 3)]),
        ("3 Nov", [date(2026, 11, 3)]),
        ("the 3rd of November", [date(2026, 11, 3)]),
        ("3 November 2026", [date(2026, 11, 3)]),
        ("Nov 3, 2026", [date(2026, 11, 3)]),
        ("Nov 3, 2025", [date(2025, 11, 3)]),
        ("Dec 25", [date(2025, 12, 25)]),  # no year: the most recent, not after today
        ("Nov 26", [date(2026, 11, 26)]),
        ("Nov 27", [date(2025, 11, 27)]),
        ("Feb 29", [date(2024, 2, 29)]),  # back to the last leap year
        ("20/11/2026", [date(2026, 11, 20)]),
        ("11/20/2026", [date(2026, 11, 20)]),
        ("5/5/2026", [date(2026, 5, 5)]),
        ("3/11/2026", []),  # 3 November or 11 March: skipped
        ("Feb 30", []),
        ("today", [TODAY]),
        ("yesterday", [date(2026, 11, 25)]),
        ("the day before yesterday", [date(2026, 11, 24)]),
        ("3 days ago", [date(2026, 11, 23)]),
        ("a week ago", [date(2026, 11, 19)]),
        ("two weeks ago", [date(2026, 11, 12)]),
        ("on Friday", [date(2026, 11, 20)]),
        ("Friday", [date(2026, 11, 20)]),
        ("last Friday", [date(2026, 11, 20)]),
        # a weekday next to a full date only labels it
        ("paid on Friday 2026-11-13", [date(2026, 11, 13)]),
        ("paid on 2026-11-13 (Friday)", [date(2026, 11, 13)]),
        ("on Friday, 13 November 2026", [date(2026, 11, 13)]),
        ("paid Friday, disputed on 2026-11-02 and", [date(2026, 11, 20), date(2026, 11, 2)]),
        ("on Thursday", [TODAY]),  # today is Thursday: on or before today
        ("last Thursday", [date(2026, 11, 19)]),  # strictly before today
        ("on Monday", [date(2026, 11, 23)]),
        ("opened Nov 3, proposal on 2026-11-05", [date(2026, 11, 3), date(2026, 11, 5)]),
        ("may I pay 3000 now?", []),
        ("no dates here", []),
    ],
)
def test_extract_dates(text: str, expected: list[date]) -> None:
    assert dates.extract_dates(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on Friday", [FRIDAY]),
        ("last Friday", [date(2026, 11, 20)]),
        ("today", [FRIDAY]),
    ],
)
def test_extract_dates_on_a_friday(text: str, expected: list[date]) -> None:
    assert dates.extract_dates(text, today=FRIDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$3,000", [(Decimal("3000"), "USD")]),
        ("US$3000", [(Decimal("3000"), "USD")]),
        ("US $5000", [(Decimal("5000"), "USD")]),
        ("3k USD", [(Decimal("3000"), "USD")]),
        ("2500 usd", [(Decimal("2500"), "USD")]),
        ("EUR 900", [(Decimal("900"), "EUR")]),
        ("€900", [(Decimal("900"), "EUR")]),
        ("900,50 EUR", [(Decimal("900.50"), "EUR")]),
        ("1.5k", [(Decimal("1500"), "USD")]),
        ("3,000 dollars", [(Decimal("3000"), "USD")]),
        ("2 million euros", [(Decimal("2000000"), "EUR")]),
        ("R$ 300 by boleto", [(Decimal("300"), "BRL")]),
        ("an order of 4999.99", [(Decimal("4999.99"), "USD")]),
        ("I paid 2500 by WU, in EUR", [(Decimal("2500"), "EUR")]),  # currency named elsewhere
        ("A$500 and a $20 fee", [(Decimal("500"), "AUD"), (Decimal("20"), "USD")]),
        ("paid 3000 on Nov 3, 2026", [(Decimal("3000"), "USD")]),
        ("a 6 month loan of 10000", [(Decimal("10000"), "USD")]),
        ("2% of 4999.99", [(Decimal("4999.99"), "USD")]),
        ("account 1030 1234 5678, paid 200", [(Decimal("200"), "USD")]),
        ("order 10301234567", []),
        ("it takes 3-7 working days", []),
        ("Abc123", []),
        ("nothing", []),
    ],
)
def test_extract_amounts(text: str, expected: list) -> None:
    assert slots.extract_amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('is "Abc123" an ok password?', "Abc123"),
        ("is “Abc123” ok", "Abc123"),
        ("it's 'Xy12!' fine?", "Xy12!"),
        ("check password Abc123!", "Abc123!"),
        ("my new password is tree$House ok?", "tree$House"),
        ("password: Hello123", "Hello123"),
        ("password=Hello123", "Hello123"),
        ("is Abc123 ok as a password?", "Abc123"),
        ("would Sunshine99 work as my password", "Sunshine99"),
        ("is password123 a good password?", "password123"),
        ("can you check my password", None),
        ("what are the password rules?", None),
        ("is my password ok?", None),
        ("hello", None),
    ],
)
def test_extract_password(text: str, expected: str | None) -> None:
    assert slots.extract_password(text) == expected


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        (slots.extract_logistics, "shipped with Ecokara logistics", "ecokara"),
        (slots.extract_logistics, "ships through Alibaba", "ecokara"),
        (slots.extract_logistics, "a third-party vendor ships it", "third_party"),
        (slots.extract_logistics, "3rd party shipping", "third_party"),
        (slots.extract_logistics, "our own freight forwarder", "third_party"),
        (slots.extract_logistics, "what is the fee", None),
        (slots.extract_currency, "paying in euros", "EUR"),
        (slots.extract_currency, "in usd please", "USD"),
        (slots.extract_currency, "US$ 300", "USD"),
        (slots.extract_currency, "£40", "GBP"),
        (slots.extract_currency, "canadian dollars", "CAD"),
        (slots.extract_currency, "try again", None),
        (slots.extract_currency, "TRY 500", "TRY"),
        (slots.extract_currency, "a pound of tea", None),
        (slots.extract_currency, "no money words", None),
        (slots.extract_transfer, "a domestic transfer", "domestic"),
        (slots.extract_transfer, "international wire", "international"),
        (slots.extract_transfer, "sent from overseas", "international"),
        (slots.extract_transfer, "by T/T", None),
        (slots.extract_account_number, "account number is 1030 1234 5678", "103012345678"),
        (slots.extract_account_number, "acct: 1029-0000-1111", "102900001111"),
        (slots.extract_account_number, "sent to 10291234567 on Friday", "10291234567"),
        (slots.extract_account_number, "paid on 2026-11-20", None),
        (slots.extract_country, "I'm in the US", "US"),
        (slots.extract_country, "we are based in Brazil", "BR"),
        (slots.extract_country, "from the UK", "GB"),
        (slots.extract_country, "paying in US dollars", None),
    ],
)
def test_small_extractors(function, text: str, expected: str | None) -> None:
    assert function(text) == expected


@pytest.mark.parametrize(
    ("tool", "text", "expected"),
    [
        ("password_check", "check password Abc123!", {"password": "Abc123!"}),
        ("password_check", "check my password", {}),
        ("payment_arrival", "I paid by TT last Friday to account 1030 1234 5678",
         {"method": "tt", "paid_on": date(2026, 11, 20), "account_number": "103012345678"}),
        ("payment_arrival", "e-checking in EUR on Nov 23",
         {"method": "online_bank_payment", "paid_on": date(2026, 11, 23), "currency": "EUR"}),
        ("payment_arrival", "when does my money arrive?", {}),
        ("dispute_deadlines",
         "I opened the dispute on Nov 3 and the supplier proposed on Nov 5; it is in transit, "
         "delivered Oct 20",
         {"opened_on": date(2026, 11, 3), "proposal_on": date(2026, 11, 5),
          "delivered_on": date(2026, 10, 20), "in_transit": True}),
        ("dispute_deadlines", "dispute from 3 days ago", {"opened_on": date(2026, 11, 23)}),
        ("dispute_deadlines", "we agreed on Nov 10 and the return was received on Nov 20",
         {"agreement_on": date(2026, 11, 10), "return_received_on": date(2026, 11, 20)}),
        ("fee_estimate", "service charge on a $4,000 order, third party shipping",
         {"kind": "trade_assurance", "order_amount": Decimal("4000"), "logistics": "third_party"}),
        ("fee_estimate", "pay later fee on 10000 over 6 months",
         {"kind": "pay_later", "principal": Decimal("10000"), "months": 6}),
        ("fee_estimate", "Can I pay 3000 USD by western union from the US?",
         {"kind": "payment_method", "method": "western_union", "amount": Decimal("3000"),
          "currency": "USD", "buyer_country": "US"}),
    ],
)
def test_extract_tool_params(tool: str, text: str, expected: dict) -> None:
    assert roles.extract_tool_params(tool, text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("tool", "params", "missing"),
    [
        ("password_check", {}, ["password"]),
        ("payment_arrival", {"method": "tt"}, ["paid_on"]),
        ("payment_arrival", {}, ["method", "paid_on"]),
        ("dispute_deadlines", {"opened_on": TODAY}, []),
        ("dispute_deadlines", {"in_transit": True}, ["opened_on", "delivered_on"]),
        ("fee_estimate", {}, ["order_amount"]),
        ("fee_estimate", {"kind": "pay_later"}, ["principal"]),
        ("fee_estimate", {"kind": "payment_method", "method": "tt"}, ["amount"]),
    ],
)
def test_missing_params(tool: str, params: dict, missing: list[str]) -> None:
    assert TOOLS[tool].missing(params) == missing


def test_extracted_params_run_the_tool() -> None:
    params = roles.extract_tool_params("payment_arrival", "paid by boleto last Friday", today=TODAY)
    assert not TOOLS["payment_arrival"].missing(params)
    result = TOOLS["payment_arrival"].run(params)
    assert (result["earliest"], result["latest"]) == ("2026-11-24", "2026-11-26")


@pytest.mark.parametrize(
    "call",
    [
        lambda: dates.extract_dates(None, today=TODAY),
        lambda: dates.extract_dates("today", today="2026-11-26"),
        lambda: slots.extract_method(3),
        lambda: roles.extract_tool_params("weather", "hi", today=TODAY),
    ],
)
def test_bad_input(call) -> None:
    with pytest.raises(ToolInputError):
        call()


@given(st.text(max_size=200), st.dates())
def test_extractors_never_fail_on_text(text: str, today: date) -> None:
    for date_found in dates.extract_dates(text, today=today):
        assert isinstance(date_found, date)
    for amount, currency in slots.extract_amounts(text):
        assert amount > 0 and len(currency) == 3
    for tool in ("password_check", "payment_arrival", "dispute_deadlines", "fee_estimate"):
        params = roles.extract_tool_params(tool, text, today=today)
        assert isinstance(TOOLS[tool].missing(params), list)
    slots.extract_method(text)
    slots.extract_password(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we ship with a freight forwarder rather than your logistics", "third_party"),
        ("not using Ecokara logistics this time", "third_party"),
        ("instead of the platform's shipping we use DHL", "third_party"),
        ("shipped with Ecokara logistics", "ecokara"),
        ("what is the fee", None),
    ],
)
def test_extract_logistics_reads_negations(text: str, expected: str | None) -> None:
    assert slots.extract_logistics(text) == expected
