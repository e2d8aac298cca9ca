"""Working days: Monday to Friday, minus an optional holiday calendar.

Conventions (the README quotes these):
- A working day is Monday to Friday. A holiday calendar is off by default; pass
  ``holidays="HK"`` (any country code the ``holidays`` package knows; Hong Kong is where
  the Citibank beneficiary bank is) or an iterable of dates to skip those days too.
- "N working days after X" is the N-th working day strictly after X's date: paid on
  Friday 2026-11-20, "2-4 working days" runs from Tuesday 2026-11-24 to Thursday
  2026-11-26. A payment made on a weekend or holiday counts from the next working day
  in the same way (Saturday + 1 working day = Monday).

The ``holidays`` package is imported only when a country calendar is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.inputs import DATE_MAX, as_date, shown, type_name

# Enough for decades of any calendar, small enough that a runaway iterable cannot hang us.
MAX_HOLIDAY_DATES = 10_000
MAX_WORKING_DAYS = 366


@lru_cache(maxsize=16)
def _country_calendar(code: str) -> Any:
    """The holidays package's calendar for ``code``; it loads each year when first asked."""
    import holidays as holiday_package  # lazy: an optional feature, slow to import

    try:
        return holiday_package.country_holidays(code)
    except NotImplementedError:
        raise ToolInputError(
            f"Unknown holiday calendar {code!r}. Use a country code that the holidays "
            "package supports, such as HK, US, CN or GB, or a list of dates, or None."
        ) from None


class WorkingDays:
    """Counts working days: Monday to Friday that are not in the holiday calendar."""

    def __init__(self, holidays: Any = None) -> None:
        self.holidays = holidays
        self.label, self._is_holiday = _holiday_test(holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self._is_holiday(day)

    def add(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start`` (n >= 1)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WORKING_DAYS:
            raise ToolInputError(
                f"Working days to add must be from 1 to {MAX_WORKING_DAYS}; got {shown(n)}."
            )
        day, found = start, 0
        while found < n:
            if day >= DATE_MAX:
                raise ToolInputError(
                    f"Counting {n} working days from {start.isoformat()} runs past "
                    f"{DATE_MAX.isoformat()}; use an earlier date."
                )
            day += timedelta(days=1)
            if self.is_working_day(day):
                found += 1
        return day

    def describe(self) -> str:
        if self.label is None:
            return "Working days are Monday to Friday; no holiday calendar was applied."
        return f"Working days are Monday to Friday, skipping {self.label}."


def _holiday_test(holidays: Any) -> tuple[str | None, Callable[[date], bool]]:
    """A label for notes and a membership test for ``holidays`` (None, a code or dates)."""
    if holidays is None:
        return None, lambda day: False
    if isinstance(holidays, str):
        code = holidays.strip().upper()
        if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
            raise ToolInputError(
                f"Invalid holiday calendar {shown(holidays)}. Use a country code such as "
                "HK or US, a list of dates, or None for no holidays."
            )
        calendar = _country_calendar(code)
        return f"{code} public holidays", lambda day: day in calendar
    # A dict (such as a holidays-package calendar) iterates over its dates.
    if not isinstance(holidays, Iterable):
        raise ToolInputError(_bad_holidays(holidays))
    try:
        items = list(islice(iter(holidays), MAX_HOLIDAY_DATES + 1))
    except Exception:  # an iterable that fails while we read it is bad input too
        raise ToolInputError(_bad_holidays(holidays)) from None
    if len(items) > MAX_HOLIDAY_DATES:
        raise ToolInputError(
            f"Too many holiday dates: at most {MAX_HOLIDAY_DATES} are accepted."
        )
    days = frozenset(as_date(item, name="a holiday date") for item in items)
    label = f"{len(days)} given holiday date{'s' if len(days) != 1 else ''}"
    return label, days.__contains__


def _bad_holidays(value: Any) -> str:
    return (
        f"holidays must be None, a country code such as 'HK', or a list of dates; "
        f"got {type_name(value)}."
    )


def working_calendar(holidays: Any = None) -> WorkingDays:
    """A validated working-day calendar (see the module docstring for ``holidays``)."""
    return WorkingDays(holidays)


def add_working_days(start: Any, n: int, *, holidays: Any = None) -> date:
    """The n-th working day strictly after ``start``."""
    return working_calendar(holidays).add(as_date(start, name="start"), n)


def is_working_day(day: Any, *, holidays: Any = None) -> bool:
    return working_calendar(holidays).is_working_day(as_date(day, name="day"))
