from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpbot.tools import ToolInputError, add_working_days, is_working_day, working_calendar


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-11-20", 1, "2026-11-23"),  # Friday -> Monday
        ("2026-11-20", 2, "2026-11-24"),
        ("2026-11-21", 1, "2026-11-23"),  # Saturday -> Monday
        ("2026-11-22", 1, "2026-11-23"),  # Sunday -> Monday
        ("2026-11-23", 5, "2026-11-30"),  # Monday + 5 = next Monday
        ("2026-11-30", 1, "2026-12-01"),  # month end
        ("2026-12-31", 1, "2027-01-01"),  # year end (no holidays by default)
        ("2028-02-28", 1, "2028-02-29"),  # leap day is a Tuesday
        ("2028-02-29", 1, "2028-03-01"),
        ("2026-11-20", 10, "2026-12-04"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert add_working_days(start, n) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("day", "holidays", "expected"),
    [
        ("2026-11-20", None, True),
        ("2026-11-21", None, False),
        ("2026-11-22", None, False),
        ("2026-12-25", None, True),
        ("2026-12-25", "HK", False),
        ("2026-12-25", [date(2026, 12, 25)], False),
        ("2026-07-01", "HK", False),  # HKSAR Establishment Day
        ("2026-07-02", "HK", True),
    ],
)
def test_is_working_day(day: str, holidays, expected: bool) -> None:
    assert is_working_day(day, holidays=holidays) is expected


@pytest.mark.parametrize("n", [0, -1, 367, True, 1.5, "2"])
def test_working_days_to_add_must_be_1_to_366(n) -> None:
    with pytest.raises(ToolInputError, match="from 1 to 366"):
        add_working_days("2026-11-20", n)


def test_description_names_the_calendar() -> None:
    assert "no holiday calendar" in working_calendar().describe()
    assert "HK public holidays" in working_calendar("HK").describe()


def test_holiday_iterables_are_bounded() -> None:
    many = [date(2026, 1, 1) + timedelta(days=i) for i in range(10_001)]
    with pytest.raises(ToolInputError, match="at most 10000"):
        working_calendar(many)


def test_a_generator_that_fails_is_an_input_error() -> None:
    def broken():
        yield date(2026, 1, 1)
        raise RuntimeError("boom")

    with pytest.raises(ToolInputError, match="holidays must be"):
        working_calendar(broken())


def test_holidays_package_is_imported_only_when_asked() -> None:
    code = (
        "import sys\n"
        "from helpbot.tools import payment_arrival, dispute_deadlines\n"
        "payment_arrival('boleto', '2026-11-20')\n"
        "dispute_deadlines('2026-11-01', agreement_on='2026-11-02')\n"
        "print('holidays' in sys.modules)\n"
        "payment_arrival('boleto', '2026-11-20', holidays='HK')\n"
        "print('holidays' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root).stdout.split()
    assert out == ["False", "True"]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(min_value=1, max_value=30),
       st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2101, 3, 1)), max_size=20))
def test_result_is_a_working_day_and_counts_exactly(start: date, n: int, holidays: list) -> None:
    calendar = working_calendar(holidays)
    end = calendar.add(start, n)
    assert end > start and calendar.is_working_day(end)
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(calendar.is_working_day(day) for day in days) == n
