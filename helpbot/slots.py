"""Tool parameters out of free text: payment methods, dates, amounts, passwords and more.

Pure functions; the clock is injected as ``today`` so every answer is reproducible.

Dates (``extract_dates``), in the order they appear:
- ISO "2026-11-20" (also "2026/11/20"); month names: "Nov 3", "November 3rd", "Nov. 3, 2026",
  "3 Nov", "3rd of November 2026".
- Numeric day/month forms only when they cannot be misread: "20/11/2026" and "11/20/2026"
  are 20 November; "3/11/2026" (3 November or 11 March?) is skipped.
- A month and day without a year is the most recent such date not after today.
- "today", "yesterday", "the day before yesterday", "tomorrow", "3 days ago", "a week ago",
  "two weeks ago".
- A weekday ("Friday", "on Friday", "this Friday") is the most recent such day on or before
  today, so today when today is a Friday; "last Friday" is the most recent one strictly
  before today.

Amounts (``extract_amounts``) carry a currency: the symbol or code next to the figure
("$3,000", "US$3000", "EUR 900", "€900", "2500 usd", "3,000 dollars"); a bare figure ("1.5k")
takes the currency named elsewhere in the message, or USD. Figures that are parts of dates,
durations ("6 months"), percentages or account numbers are not amounts.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.methods import METHOD_SYNONYMS

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
    "weekday": re.compile(r"\b(?:(?P<mod>last|past|this|on)\s+)?(?P<wd>"
                          + "|".join(_WEEKDAYS) + r")\b", _I),
}


def _text(text: Any) -> str:
    if not isinstance(text, str):
        raise ToolInputError(f"Expected the message as text; got {type(text).__name__}.")
    return text


def _today(today: Any) -> date:
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


def _date_spans(text: str, today: date) -> list[tuple[int, int, date]]:
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
    return [when for _, _, when in _date_spans(_text(text), _today(today))]


# --- payment methods ------------------------------------------------------------------
# Words that are also ordinary English are matched only as brand spellings.
_CASED = {"ideal": r"i(?:Deal|DEAL)|IDEAL", "eps": r"EPS", "wu": r"WU"}


def _phrase_pattern(phrase: str) -> str:
    if phrase in _CASED:
        return _CASED[phrase]
    parts = [re.escape(word) for word in re.split(r"[\s_]+", phrase)]
    body = r"[\s_-]+".join(parts).replace(r"\-", r"[\s_-]?")
    return "(?i:" + body + ")"


_METHOD_RES = [
    (method, re.compile(r"(?<!\w)(?:" + _phrase_pattern(phrase) + r")(?!\w)"))
    for method, phrases in METHOD_SYNONYMS.items() for phrase in phrases
]


def extract_method(text: Any) -> str | None:
    """The payment method named first in ``text`` (the longest name wins at one place)."""
    message = _text(text)
    best: tuple[int, int, str] | None = None
    for method, pattern in _METHOD_RES:
        m = pattern.search(message)
        if m and (best is None or (m.start(), -m.end()) < (best[0], -best[1])):
            best = (m.start(), m.end(), method)
    return best[2] if best else None


# --- currencies and amounts -------------------------------------------------------------
_CODES = ("USD EUR GBP JPY CNY RMB HKD AUD CAD NZD CHF SEK NOK DKK PLN BRL MXN INR SGD "
          "KRW ZAR AED CZK HUF RON THB MYR IDR PHP RUB ILS SAR").split()
_SYMBOLS = {"us$": "USD", "hk$": "HKD", "c$": "CAD", "a$": "AUD", "nz$": "NZD", "s$": "SGD",
            "r$": "BRL", "$": "USD", "€": "EUR", "£": "GBP"}
_WORDS = {"dollar": "USD", "dollars": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
          "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "yen": "JPY", "yuan": "CNY",
          "renminbi": "CNY", "reais": "BRL"}
_DOLLAR_KINDS = {"us": "USD", "american": "USD", "canadian": "CAD", "australian": "AUD",
                 "hk": "HKD", "hong kong": "HKD", "nz": "NZD", "new zealand": "NZD",
                 "singapore": "SGD"}
# Prefixes in capitals only: "a $500" is an article, "A$500" Australian dollars.
_SYM = r"(?P<sym>(?:US|us)\s?\$|HK\$|NZ\$|C\$|A\$|S\$|R\$|\$|€|£)"
_CODE = r"\b(?P<code>(?i:" + "|".join(_CODES) + r")|TRY)\b"  # "try" is a verb, TRY a currency
_WORD = (r"\b(?:(?P<kind>(?i:" + "|".join(_DOLLAR_KINDS) + r"))\s+)?(?P<word>(?i:"
         + "|".join(_WORDS) + r"))\b")
_CURRENCY_RE = re.compile(_SYM + "|" + _CODE + "|" + _WORD)
_BEFORE_RE = re.compile(r"(?:" + _SYM + "|" + _CODE + r")\s?$")
_AFTER_RE = re.compile(r"\s?(?:" + _SYM + "|" + _CODE + "|" + _WORD + ")")


def _currency_of(m: re.Match[str]) -> str:
    """The ISO code for a match of _SYM, _CODE or _WORD."""
    groups = m.groupdict()
    if groups.get("sym"):
        return _SYMBOLS[re.sub(r"\s", "", groups["sym"]).lower()]
    if groups.get("code"):
        code = groups["code"].upper()
        return "CNY" if code == "RMB" else code
    base = _WORDS[groups["word"].lower()]
    kind = (groups.get("kind") or "").lower()
    return _DOLLAR_KINDS.get(kind, base) if base == "USD" else base


def extract_currency(text: Any) -> str | None:
    """The first currency the message names, as an ISO 4217 code."""
    for m in _CURRENCY_RE.finditer(_text(text)):
        if m.group("word") and m.group("word").lower() == "pound" and not m.group("kind"):
            continue  # "a pound of" is weight more often than money
        return _currency_of(m)
    return None


_NUMBER_RE = re.compile(r"(?<![\w.,/-])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)")
_MULTIPLIERS = {"k": 1000, "thousand": 1000, "m": 10**6, "mn": 10**6, "million": 10**6,
                "bn": 10**9, "billion": 10**9}
_MULT_RE = re.compile(r"\s?(?P<mult>k|thousand|mn|m|million|bn|billion)\b", _I)
# A unit after the figure, or after a range ("3-7 working days", "1 to 2 hours").
_UNIT_RE = re.compile(r"(?:\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?\s*-?\s*"
                      r"(?:(?:working|business|calendar)\s+)?(?:days?|weeks?|months?|years?|"
                      r"hours?|hrs?|minutes?|mins?|%|percent|x\b|times|st\b|nd\b|rd\b|th\b)",
                      _I)


def _number(raw: str) -> Decimal | None:
    if re.fullmatch(r"\d+,\d{1,2}", raw):  # "900,50": a decimal comma
        raw = raw.replace(",", ".")
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None


def extract_amounts(text: Any) -> list[tuple[Decimal, str]]:
    """Amounts of money with their currency codes, in order (see the module docstring)."""
    message = _text(text)
    # Figures inside dates and account numbers are not money; no clock is needed to see them.
    masked = [(s, e) for s, e, _ in _date_spans(message, date(2000, 1, 1))]
    masked += [m.span("num") for m in _ACCOUNT_RE.finditer(message)]
    default = extract_currency(message) or "USD"
    amounts = []
    for m in _NUMBER_RE.finditer(message):
        start, end = m.span()
        if any(s <= start < e for s, e in masked):
            continue
        raw, rest = m.group("num"), message[end:]
        value = _number(raw)
        mult = _MULT_RE.match(rest)
        if mult:
            if value is not None:  # 1.5k is 1500, not 1500.0
                value = (value * _MULTIPLIERS[mult.group("mult").lower()]).normalize()
                value = value.quantize(Decimal(1)) if value == value.to_integral() else value
            rest = rest[mult.end():]
        if value is None or value <= 0 or (not mult and _UNIT_RE.match(rest)):
            continue
        before = _BEFORE_RE.search(message[max(0, start - 6):start])
        after = _AFTER_RE.match(rest)
        named = before or after
        if named is not None:
            currency = _currency_of(named)
        elif len(raw) >= 8 and raw.isdigit():
            continue  # a long bare digit run is an account or order number, not money
        else:
            currency = default
        amounts.append((value, currency))
    return amounts


# --- passwords ------------------------------------------------------------------------
_QUOTED_RE = re.compile(r'"([^"\s]+)"|“([^”\s]+)”|‘([^’\s]+)’|`([^`\s]+)`'
                        r"|(?<!\w)'([^'\s]+)'(?!\w)")
_AFTER_KEYWORD_RE = re.compile(r"\bpass(?:word|code|phrase)\b(?:\s*[:=]\s*|\s+(?:is|would\s+be|"
                               r"will\s+be)\s+|\s+)(\S+)", _I)
_AFTER_VERB_RE = re.compile(r"\b(?:is|try|use|check|test|about|would|could|does|will|can|should)"
                            r"\s+(\S+)", _I)
_BEFORE_AS_RE = re.compile(r"(\S+)\s+as\s+(?:a|my)\s+(?:new\s+)?password\b", _I)
_NOT_PASSWORDS = frozenset("""
a an the my your our this that it its ok okay good strong weak valid invalid fine secure safe
allowed enough acceptable correct right alright please for to of and or but if so here there now
then new old current password passwords pass passcode rule rules requirement requirements policy
strength length reset change forgot forgotten help check test is are was be like as with in on
me i you we what which how why when whether would will can could should do does did need needs
not too very really actually just long short""".split())


def extract_password(text: Any) -> str | None:
    """The candidate password: a quoted token wins, then the token after "password"
    ("password is X", "password: X"), then after "is"/"try"/"check"; common words such as
    "ok" or "my" are never taken. Trailing , . ? ; : are sentence punctuation and dropped."""
    message = _text(text)
    quoted = _QUOTED_RE.search(message)
    if quoted:
        return next(group for group in quoted.groups() if group)
    for pattern in (_AFTER_KEYWORD_RE, _AFTER_VERB_RE, _BEFORE_AS_RE):
        for m in pattern.finditer(message):
            token = m.group(1).rstrip(",.?;:")
            if token and token.lower() not in _NOT_PASSWORDS:
                return token
    return None


# --- logistics, transfer, account number, country --------------------------------------
# Third-party first: "a forwarder rather than your logistics" names Ecokara's logistics too.
_LOGISTICS_RES = (
    ("third_party", re.compile(r"\b(?:third|3rd)[\s-]?party\b|\bown\s+(?:freight\s+)?"
                               r"(?:forwarder|logistics|shipping|carrier)\b|\b(?:other|another|"
                               r"external)\s+(?:logistics|carrier|forwarder)\b|\bfreight\s+forwarder\b"
                               r"|\b(?:rather\s+than|instead\s+of|not|without)\s+(?:using\s+)?(?:your|ecokara'?s?"
                               r"|alibaba'?s?|the\s+platform'?s?)\s+(?:own\s+)?(?:logistics|shipping)\b", _I)),
    ("ecokara", re.compile(r"\b(?:ecokara|alibaba)(?:'s)?\s+(?:logistics|shipping|freight)\b"
                           r"|\bship\w*\s+(?:with|through|via|by)\s+(?:ecokara|alibaba)\b", _I)),
)
_TRANSFER_RES = (
    ("domestic", re.compile(r"\b(?:domestic|local)\b", _I)),
    ("international", re.compile(r"\b(?:international|overseas|cross[\s-]?border|abroad)\b", _I)),
)
_ACCOUNT_RE = re.compile(r"\b(?:account|acct|a/c)(?:\s*(?:number|no\.?|num|#))?\s*(?:is\s+|:\s*"
                         r"|#\s*)?(?P<num>\d{3,}(?:[ -]\d{3,})*)\b", _I)
_LONG_DIGITS_RE = re.compile(r"(?<![\d-])(?P<num>\d{8,34}|10(?:30|29)(?:[ -]\d{3,})+)(?![\d-])")
_COUNTRIES = {"united states": "US", "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US",
              "united kingdom": "GB", "uk": "GB", "britain": "GB", "england": "GB",
              "canada": "CA", "australia": "AU", "new zealand": "NZ", "japan": "JP",
              "germany": "DE", "france": "FR", "spain": "ES", "italy": "IT",
              "netherlands": "NL", "belgium": "BE", "poland": "PL", "ireland": "IE",
              "brazil": "BR", "mexico": "MX", "china": "CN", "hong kong": "HK", "india": "IN"}
_COUNTRY_RE = re.compile(r"\b(?:from|in|based\s+in|located\s+in|live\s+in|living\s+in)\s+"
                         r"(?:the\s+)?(?P<name>(?i:" + "|".join(
                             re.escape(n) for n in sorted(_COUNTRIES, key=len, reverse=True))
                         + r")|US)(?!\w)(?!\s*(?:\$|dollars?))")


def _first(text: Any, patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> str | None:
    message = _text(text)
    hits = [(m.start(), value) for value, pattern in patterns
            for m in [pattern.search(message)] if m]
    return min(hits)[1] if hits else None


def extract_logistics(text: Any) -> str | None:
    """"ecokara" (Ecokara logistics) or "third_party" (a third-party vendor), or None."""
    return _first(text, _LOGISTICS_RES)


def extract_transfer(text: Any) -> str | None:
    """"domestic" or "international" for a T/T, or None."""
    return _first(text, _TRANSFER_RES)


def extract_account_number(text: Any) -> str | None:
    """The digits of an account number: after "account (number)", or a long digit run."""
    message = _text(text)
    m = _ACCOUNT_RE.search(message) or _LONG_DIGITS_RE.search(message)
    return re.sub(r"\D", "", m.group("num")) if m else None


def extract_country(text: Any) -> str | None:
    """The buyer's country as an ISO 3166 alpha-2 code ("I'm in the US" -> "US")."""
    m = _COUNTRY_RE.search(_text(text))
    return _COUNTRIES.get(m.group("name").lower(), "US") if m else None


# --- all the parameters of one tool -----------------------------------------------------
_ROLES = (  # dispute dates: the nearest of these words before a date names its role
    ("return_received_on", r"(?:receiv\w*|got|confirm\w*)\s+(?:the\s+)?(?:return\w*|goods\s+back)"
                           r"|return\w*\s+(?:goods\s+)?(?:was\s+|were\s+)?(?:received|arrived)"
                           r"|confirm\w*\s+(?:the\s+)?receipt"),
    ("escalated_on", r"escalat\w*"),
    ("agreement_on", r"agree\w*|settled|accepted"),
    ("proposal_on", r"propos\w*|offer\w*"),
    ("delivered_on", r"deliver\w*"),
    ("opened_on", r"open\w*|submit\w*|filed|raised|started|created|applied"),
)
_ROLE_RE = re.compile("|".join(f"(?P<{role}>{words})" for role, words in _ROLES), _I)
_MONTHS_RE = re.compile(r"\b(\d{1,2})[\s-]*months?\b", _I)
_LIMIT_RE = re.compile(r"\b(?:limit\w*|allowed|accept\w*|max\w*|can\s+(?:i|we)\s+(?:pay|use))\b",
                       _I)
_REQUIRED = {
    "password_check": ("password",),
    "payment_arrival": ("method", "paid_on"),
    "dispute_deadlines": ("opened_on",),
    "fee_estimate": ("order_amount",),
}
_FEE_REQUIRED = {"trade_assurance": ("order_amount",), "pay_later": ("principal",),
                 "payment_method": ("method", "amount")}


def _dispute_dates(message: str, today: date) -> dict[str, Any]:
    params: dict[str, Any] = {}
    previous_end = 0
    for start, end, when in _date_spans(message, today):
        window = message[max(previous_end, start - 60):start]
        roles = [(m.start(), m.lastgroup) for m in _ROLE_RE.finditer(window)]
        role = max(roles)[1] if roles else "opened_on"
        params.setdefault(role or "opened_on", when)
        previous_end = end
    if re.search(r"\bin[\s-]?transit\b", message, _I):
        params["in_transit"] = True
    return params


def _fee_params(message: str) -> dict[str, Any]:
    method = extract_method(message)
    amounts = extract_amounts(message)
    if method == "pay_later" or re.search(r"\bloan\b", message, _I):
        params: dict[str, Any] = {"kind": "pay_later"}
        if amounts:
            params["principal"] = amounts[0][0]
        months = _MONTHS_RE.search(message)
        if months:
            params["months"] = int(months.group(1))
        return params
    if method in ("western_union", "domestic_wire") or (method and _LIMIT_RE.search(message)):
        params = {"kind": "payment_method", "method": method}
        if amounts:
            params["amount"], params["currency"] = amounts[0]
        country = extract_country(message)
        if country:
            params["buyer_country"] = country
        return params
    params = {"kind": "trade_assurance"}
    if amounts:
        params["order_amount"] = amounts[0][0]
    logistics = extract_logistics(message)
    if logistics:
        params["logistics"] = logistics
    return params


def extract_tool_params(tool: Any, text: Any, *, today: Any) -> dict[str, Any]:
    """The parameters of ``tool`` that the message carries, ready to pass to the tool."""
    name = _tool(tool)
    message, now = _text(text), _today(today)
    if name == "password_check":
        password = extract_password(message)
        return {} if password is None else {"password": password}
    if name == "dispute_deadlines":
        return _dispute_dates(message, now)
    if name == "fee_estimate":
        return _fee_params(message)
    found: dict[str, Any] = {
        "method": extract_method(message),
        "currency": extract_currency(message),
        "transfer": extract_transfer(message),
        "account_number": extract_account_number(message),
    }
    dates = extract_dates(message, today=now)
    if dates:
        found["paid_on"] = dates[0]
    return {key: value for key, value in found.items() if value is not None}


def missing_params(tool: Any, params: Any) -> list[str]:
    """The parameters ``tool`` still needs, in the order to ask for them."""
    name = _tool(tool)
    if not isinstance(params, dict):
        raise ToolInputError(f"params must be a dict; got {type(params).__name__}.")
    required: tuple[str, ...] = _REQUIRED[name]
    if name == "fee_estimate":
        required = _FEE_REQUIRED.get(params.get("kind") or "trade_assurance", required)
    if name == "dispute_deadlines" and params.get("in_transit"):
        required += ("delivered_on",)
    return [key for key in required if params.get(key) is None]


def _tool(tool: Any) -> str:
    if isinstance(tool, str) and tool in _REQUIRED:
        return tool
    raise ToolInputError(
        f"Unknown tool {tool!r:.40}. Known: {', '.join(sorted(_REQUIRED))}."
    )
