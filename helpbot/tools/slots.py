"""Tool parameters out of free text: payment methods, amounts, passwords, logistics, account
numbers and countries (dates in :mod:`helpbot.tools.dates`; each tool's parameters by their role
in :mod:`helpbot.tools.roles`).

Pure functions; the clock is injected as ``today`` so every answer is reproducible.

Amounts (``extract_amounts``) carry a currency: the symbol or code next to the figure
("$3,000", "US$3000", "EUR 900", "€900", "2500 usd", "3,000 dollars"); a bare figure ("1.5k")
takes the currency named elsewhere in the message, or USD. Figures that are parts of dates,
durations ("6 months"), percentages or account numbers are not amounts.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from helpbot.tools.dates import as_text, date_spans
from helpbot.tools.methods import METHOD_SYNONYMS

_I = re.IGNORECASE

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
    message = as_text(text)
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
    for m in _CURRENCY_RE.finditer(as_text(text)):
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
    message = as_text(text)
    # Figures inside dates and account numbers are not money; no clock is needed to see them.
    masked = [(s, e) for s, e, _ in date_spans(message, date(2000, 1, 1))]
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
_AFTER_COLON_RE = re.compile(r":\s*(\S+)\s*$")
_BEFORE_AS_RE = re.compile(r"(\S+)\s+as\s+(?:a|my)\s+(?:new\s+)?password\b", _I)
_NOT_PASSWORDS = frozenset("""
a an the my your our this that it its ok okay good strong weak valid invalid fine secure safe
allowed enough acceptable correct right alright please for to of and or but if so here there now
then new old current password passwords pass passcode rule rules requirement requirements policy
strength length reset change forgot forgotten help check test is are was be like as with in on
me i you we what which how why when whether would will can could should do does did need needs
not too very really actually just long short""".split())


def extract_password(text: Any) -> str | None:
    """The candidate password: a quoted token wins, then a last token after a colon, then the token after "password"
    ("password is X", "password: X"), then after "is"/"try"/"check"; common words such as
    "ok" or "my" are never taken. Trailing , . ? ; : are sentence punctuation and dropped."""
    message = as_text(text)
    quoted = _QUOTED_RE.search(message)
    if quoted:
        return next(group for group in quoted.groups() if group)
    after_colon = _AFTER_COLON_RE.search(message)  # "check this password for me: ab1"
    if after_colon and re.search(r"pass\s*(?:word|code|phrase)|\bpwd\b", message, _I):
        return after_colon.group(1)
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
    message = as_text(text)
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
    message = as_text(text)
    m = _ACCOUNT_RE.search(message) or _LONG_DIGITS_RE.search(message)
    return re.sub(r"\D", "", m.group("num")) if m else None


def extract_country(text: Any) -> str | None:
    """The buyer's country as an ISO 3166 alpha-2 code ("I'm in the US" -> "US")."""
    m = _COUNTRY_RE.search(as_text(text))
    return _COUNTRIES.get(m.group("name").lower(), "US") if m else None
