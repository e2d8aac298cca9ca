"""Dates out of free text, in the order they appear; the clock is injected as ``today``.

Forms read:
- ISO "2026-11-20" (also "2026/11/20"); month names: "Nov 3", "November 3rd", "Nov. 3, 2026",
  "3 Nov", "3rd of November 2026".
- Numeric day/month forms only when they cannot be misread: "20/11/2026" and "11/20/2026"
  are 20 November; "3/11/2026" (3 November or 11 March?) is skipped.
- A month and day without a year is the most recent such date not after today; "on the 5th"
  (a day alone) is the most recent 5th not after today.
- "today", "yesterday", "the day before yesterday", "tomorrow", "3 days ago", "a week ago",
  "two weeks ago".
- A weekday ("Friday", "on Friday", "this Friday") is the most recent such day on or before
  today, so today when today is a Friday; "last Friday" is the most recent one strictly
  before today.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from helpbot.errors import ToolInputError

_I = re.IGNORECASE
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_MON = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>\d{4})\b"
_DATE_PATTERNS = {
    "iso": re.compile(r"\b(?P<year>\d{4})[-/.](?P<mon>\d{1,2})[-/.](?P<day>\d{1,2})\b"),
    "month_day": re.compile(rf"\b{_MON}\s*{_DAY}(?:,?\s+{_YEAR})?", _I),
    "day_month": re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MON}(?:,?\s+{_YEAR})?", _I),
    "numeric": re.compile(r"\b(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<year>\d{4})\b"),
    "relative": re.compile(
        r"\b(?P<rel>(?:the\s+)?day\s+before\s+yesterday|today|yesterday|tomorrow)\b", _I),
    "ago": re.compile(r"\b(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS)
                      + r")\s+(?P<unit>days?|weeks?)\s+ago\b", _I),
    # "on the 5th", "the 21st": a day of the month alone (never "the 3rd option").
    "day_only": re.compile(r"\b(?:on\s+)?the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b"
                           r"(?!\s*(?:of\b|one|option|answer|item|time|choice|entry|question|article|step))", _I),
    "weekday": re.compile(r"\b(?:(?P<mod>last|past|this|on)\s+)?(?P<wd>"
                          + "|".join(_WEEKDAYS) + r")\b", _I),
}


def as_text(text: Any) -> str:
    if not isinstance(text, str):
        raise ToolInputError(f"Expected the message as text; got {type(text).__name__}.")
    return text


def as_today(today: Any) -> date:
    if isinstance(today, datetime):
        return today.date()
    if isinstance(today, date):
        return today
    raise ToolInputError(f"today must be a datetime.date; got {type(today).__name__}.")


def _recent(month: int, day: int, today: date) -> date | None:
    """The most recent month/day not after today (Feb 29 looks back to a leap year)."""
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def _recent_day(day: int, today: date) -> date | None:
    """The most recent date with this day of the month, not after today."""
    year, month = today.year, today.month
    for _ in range(12):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate <= today:
            return candidate
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _resolve(kind: str, m: re.Match[str], today: date) -> date | None:
    groups = m.groupdict()
    try:
        if kind in ("iso", "month_day", "day_month"):
            month = (int(groups["mon"]) if kind == "iso"
                     else _MONTHS[groups["mon"].lower()])
            day = int(groups["day"])
            if groups.get("year"):
                return date(int(groups["year"]), month, day)
            return _recent(month, day, today)
        if kind == "day_only":
            return _recent_day(int(groups["day"]), today)
        if kind == "numeric":
            a, b, year = int(groups["a"]), int(groups["b"]), int(groups["year"])
            if a == b or (a > 12) != (b > 12):  # only one reading is possible
                day, month = (a, b) if a > 12 or a == b else (b, a)
                return date(year, month, day)
            return None
        if kind == "relative":
            word = groups["rel"].lower()
            offset = {"today": 0, "yesterday": -1, "tomorrow": 1}.get(word, -2)
            return today + timedelta(days=offset)
        if kind == "ago":
            n = groups["n"].lower()
            count = _NUMBER_WORDS[n] if n in _NUMBER_WORDS else int(n)
            days = count * (7 if groups["unit"].lower().startswith("w") else 1)
            return today - timedelta(days=days)
        weekday = _WEEKDAYS.index(groups["wd"].lower())
        back = (today.weekday() - weekday) % 7
        if back == 0 and (groups["mod"] or "").lower() in ("last", "past"):
            back = 7
        return today - timedelta(days=back)
    except (ValueError, OverflowError):  # "Feb 30", year 0: not a date
        return None


_ABSOLUTE = ("iso", "month_day", "day_month", "numeric")
_LABEL_GAP = re.compile(r"^[\s,(]*(?:the\s+)?$", _I)


def date_spans(text: str, today: date) -> list[tuple[int, int, date]]:
    """Every date with its span; overlapping readings go to the earliest, then the longest.
    A weekday written next to a full date ("Friday 2026-11-13", "2026-11-13 (Friday)") only
    labels it and is not a second date."""
    found = []
    for kind, pattern in _DATE_PATTERNS.items():
        for m in pattern.finditer(text):
            when = _resolve(kind, m, today)
            if when is not None:
                found.append((m.start(), m.end(), when, kind))
    absolute = [(start, end) for start, end, _, kind in found if kind in _ABSOLUTE]

    def labels_a_date(start: int, end: int) -> bool:
        return any(
            (a_start >= end and _LABEL_GAP.match(text[end:a_start]))
            or (a_end <= start and _LABEL_GAP.match(text[a_end:start].rstrip(")")))
            for a_start, a_end in absolute
        )

    found = [f for f in found if f[3] != "weekday" or not labels_a_date(f[0], f[1])]
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    kept: list[tuple[int, int, date]] = []
    for start, end, when, _ in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, when))
    return kept


def extract_dates(text: Any, *, today: Any) -> list[date]:
    """The dates in ``text``, in order (see the module docstring for the forms)."""
    return [when for _, _, when in date_spans(as_text(text), as_today(today))]
