from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpbot.tools import ToolInputError, dispute_deadlines


@pytest.mark.parametrize(
    ("opened", "escalate_from", "auto_escalation_on"),
    [
        ("2026-11-01", "2026-11-04", "2026-12-01"),  # day 4 and day 31
        ("2026-01-31", "2026-02-03", "2026-03-02"),  # month end
        ("2026-12-15", "2026-12-18", "2027-01-14"),  # year end
        ("2026-12-29", "2027-01-01", "2027-01-28"),
        ("2028-02-01", "2028-02-04", "2028-03-02"),  # through a leap February
        ("2027-02-01", "2027-02-04", "2027-03-03"),  # the same, not a leap year
        ("2028-02-29", "2028-03-03", "2028-03-30"),  # opened on the leap day
        (date(2026, 11, 1), "2026-11-04", "2026-12-01"),
        (datetime(2026, 11, 1, 23, 59), "2026-11-04", "2026-12-01"),
    ],
)
def test_escalation_days(opened, escalate_from: str, auto_escalation_on: str) -> None:
    result = dispute_deadlines(opened)
    assert result["escalate_from"] == escalate_from
    assert result["auto_escalation_on"] == auto_escalation_on
    for key in ("respond_by", "return_info_due", "refund_processed_by", "team_steps_in_by",
                "refund_after_return_by"):
        assert key not in result  # only what the given dates determine


@pytest.mark.parametrize(
    ("kwargs", "key", "expected"),
    [
        ({"proposal_on": "2026-11-03"}, "respond_by", "2026-11-08"),
        ({"proposal_on": "2026-11-28"}, "respond_by", "2026-12-03"),
        ({"agreement_on": "2026-11-10"}, "return_info_due", "2026-11-25"),
        ({"agreement_on": "2026-12-20"}, "return_info_due", "2027-01-04"),
        # Working days: the N-th working day strictly after the event.
        ({"agreement_on": "2026-11-20"}, "refund_processed_by", "2026-11-25"),  # Friday
        ({"agreement_on": "2026-11-21"}, "refund_processed_by", "2026-11-25"),  # Saturday
        ({"agreement_on": "2026-11-18"}, "refund_processed_by", "2026-11-23"),  # Wednesday
        ({"escalated_on": "2026-12-24"}, "team_steps_in_by", "2026-12-29"),
        ({"escalated_on": "2026-12-24", "holidays": [date(2026, 12, 25)]},
         "team_steps_in_by", "2026-12-30"),
        ({"return_received_on": "2026-11-23"}, "refund_after_return_by", "2026-12-02"),
        ({"return_received_on": "2028-02-25"}, "refund_after_return_by", "2028-03-07"),
    ],
)
def test_deadlines_from_events(kwargs: dict, key: str, expected: str) -> None:
    assert dispute_deadlines("2026-01-01", **kwargs)[key] == expected


@pytest.mark.parametrize(
    ("opened", "delivered", "escalate_from", "auto_escalation_on"),
    [
        ("2026-11-01", "2026-09-01", "2026-11-04", "2026-12-01"),  # long delivered: usual days
        ("2026-11-01", "2026-10-09", "2026-11-04", "2026-12-01"),  # delivered + 26 = opened + 3
        ("2026-11-01", "2026-10-10", "2026-11-05", "2026-12-01"),  # one day later
        ("2026-11-01", "2026-11-01", "2026-11-27", "2026-12-01"),
        ("2026-11-01", "2026-11-05", "2026-12-01", "2026-12-01"),  # delivered + 26 = opened + 30
        ("2026-11-01", "2026-11-20", "2026-12-16", "2026-12-16"),  # delivery date still ahead
    ],
)
def test_in_transit_takes_the_later_date(
        opened, delivered, escalate_from, auto_escalation_on) -> None:
    result = dispute_deadlines(opened, delivered_on=delivered, in_transit=True)
    assert (result["escalate_from"], result["auto_escalation_on"]) == (
        escalate_from, auto_escalation_on)
    assert "25 days" in result["rules"]["escalate_from"]


def test_in_transit_without_delivery_date_is_an_input_error() -> None:
    with pytest.raises(ToolInputError, match="needs the delivery date") as info:
        dispute_deadlines("2026-11-01", in_transit=True)
    assert info.value.field == "delivered_on"


def test_delivery_date_without_in_transit_is_noted_not_used() -> None:
    result = dispute_deadlines("2026-11-01", delivered_on="2026-11-20")
    assert result["escalate_from"] == "2026-11-04"
    assert any("in_transit=True" in note for note in result["notes"])


def test_timeline_is_in_date_order_with_rules() -> None:
    result = dispute_deadlines(
        "2026-11-01", proposal_on="2026-11-03", agreement_on="2026-11-10",
        escalated_on="2026-11-27", return_received_on="2026-11-20",
        delivered_on="2026-10-20", in_transit=True,
    )
    timeline = result["timeline"]
    assert timeline[0] == {"date": "2026-11-01", "event": "Dispute opened (day 1)",
                           "rule": timeline[0]["rule"]}
    assert [step["date"] for step in timeline] == sorted(step["date"] for step in timeline)
    assert all(step["event"] and step["rule"] for step in timeline)
    assert len(timeline) == 1 + 7
    assert json.loads(json.dumps(result)) == result


def test_every_deadline_has_a_quoted_rule() -> None:
    result = dispute_deadlines("2026-11-01", proposal_on="2026-11-02")
    assert set(result["rules"]) == {"escalate_from", "auto_escalation_on", "respond_by"}
    assert "within 5 days" in result["rules"]["respond_by"]
    assert "4th day" in result["rules"]["escalate_from"]
    assert "31st day" in result["rules"]["auto_escalation_on"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"opened_on": None}, "date the dispute was opened must be a date written YYYY-MM-DD"),
        ({"opened_on": "yesterday"}, "date the dispute was opened 'yesterday' is not a date I can read"),
        ({"opened_on": "2026-02-30"}, "is not a date I can read"),
        ({"opened_on": 20261101}, "must be a date written YYYY-MM-DD"),
        ({"opened_on": "1900-01-01"}, "out of range"),
        ({"opened_on": "2026-11-01", "proposal_on": "2026-10-31"},
         "date of the proposal (Saturday 31 October 2026) is before the day the dispute was opened "
         "(Sunday 1 November 2026)"),
        ({"opened_on": "2026-11-01", "escalated_on": "2026-10-01"}, "date of the escalation"),
        ({"opened_on": "2026-11-01", "agreement_on": "2026-11-10",
          "return_received_on": "2026-11-09"}, "before the agreement"),
        ({"opened_on": "2026-11-01", "in_transit": "yes"}, "must be true or false"),
        ({"opened_on": "2026-11-01", "in_transit": 1}, "must be true or false"),
        ({"opened_on": "2026-11-01", "agreement_on": "2026-11-02", "holidays": 5},
         "holidays must be"),
    ],
)
def test_bad_input(kwargs: dict, fragment: str) -> None:
    opened = kwargs.pop("opened_on")
    with pytest.raises(ToolInputError) as info:
        dispute_deadlines(opened, **kwargs)
    assert fragment in str(info.value)
    assert "_on" not in str(info.value)  # buyer words, not parameter names


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(min_value=-60, max_value=60), st.integers(min_value=0, max_value=40))
def test_properties(opened: date, delivered_offset: int, event_offset: int) -> None:
    delivered = opened + timedelta(days=delivered_offset)
    event = opened + timedelta(days=event_offset)
    result = dispute_deadlines(opened, delivered_on=delivered, in_transit=True,
                               proposal_on=event, agreement_on=event, escalated_on=event)
    assert result["escalate_from"] <= result["auto_escalation_on"]
    assert result["escalate_from"] >= (opened + timedelta(days=3)).isoformat()
    assert result["escalate_from"] > (delivered + timedelta(days=25)).isoformat()
    for key in ("refund_processed_by", "team_steps_in_by"):
        assert date.fromisoformat(result[key]).weekday() < 5
    dates = [step["date"] for step in result["timeline"]]
    assert dates == sorted(dates)
