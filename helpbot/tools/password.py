"""Password rules from the help text, checked without ever keeping the password.

Rules (make a password invalid): 6-20 characters; only letters (A-Z, a-z), numbers (0-9)
and punctuation marks (ASCII, ``string.punctuation``), no spaces; at least 2 of the 4
types uppercase, lowercase, numbers and punctuation. Any whitespace is a space problem;
any other character outside those sets (an accented letter, an emoji) is invalid.

Advice (warnings only): not a common password (a bundled list of a few hundred, compared
case-insensitively); not a single dictionary word (the password lowercased, minus
trailing numbers and punctuation, is a word in a bundled English list: "Manager1",
"bamboo!"); not an email address.

Privacy: the password is never logged, stored, returned or put in a message; the result
holds only fixed codes and sentences, and an error for a non-string names only its type.
"""

from __future__ import annotations

import re
import string
from functools import cache
from importlib import resources
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.inputs import type_name

MIN_LENGTH = 6
MAX_LENGTH = 20
MIN_TYPES = 2

RULE = (
    "Password on Ecokara should meet the requirements below: 1. 6-20 characters "
    "2. Only letters, numbers and punctuation marks (except spaces) 3. Among uppercase "
    "letters, lowercase letters, numbers and punctuation, at least 2 types included."
)

# Stable orders: the result lists codes in these orders.
PROBLEMS = ("too_short", "too_long", "contains_space", "invalid_character", "too_few_types")
TYPES = ("lowercase", "uppercase", "digit", "punctuation")
WARNINGS = ("common_password", "single_dictionary_word", "looks_like_email")

# One sentence per code, for the chat to say; none of them can contain the password.
MESSAGES: dict[str, str] = {
    "too_short": "Use at least 6 characters.",
    "too_long": "Use at most 20 characters.",
    "contains_space": "Remove the spaces: spaces are not allowed.",
    "invalid_character": (
        "Use only letters A-Z and a-z, numbers 0-9 and punctuation marks such as ! ? # $ %."
    ),
    "too_few_types": (
        "Mix at least 2 of these: uppercase letters, lowercase letters, numbers, punctuation."
    ),
    "common_password": "This is a common password (like 123456 or ABCDEF); choose a rarer one.",
    "single_dictionary_word": (
        "This is a single dictionary word (like manager or bamboo); combine several words "
        "or add numbers, e.g. beatlesfan28."
    ),
    "looks_like_email": "Do not use an email address as your password.",
}

_TYPE_SETS = {
    "lowercase": frozenset(string.ascii_lowercase),
    "uppercase": frozenset(string.ascii_uppercase),
    "digit": frozenset(string.digits),
    "punctuation": frozenset(string.punctuation),
}
_ALLOWED = frozenset().union(*_TYPE_SETS.values())
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


@cache
def _word_list(filename: str) -> frozenset[str]:
    """A bundled list, lowercased; loaded on first use, never at import."""
    text = resources.files("helpbot.tools").joinpath(filename).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("# ")
    )


def common_passwords() -> frozenset[str]:
    return _word_list("common_passwords.txt")


def english_words() -> frozenset[str]:
    return _word_list("english_words.txt")


def password_check(password: Any) -> dict[str, Any]:
    """Check ``password`` against the rules; see the module docstring."""
    if not isinstance(password, str):
        # Only the type: a secret must not reach a log through an error message.
        raise ToolInputError(
            f"The password must be text (a string), not {type_name(password)}. "
            "Type the password as text to check it.", field="password"
        )
    problems = _problems(password)
    warnings = _warnings(password)
    present = [kind for kind in TYPES if _TYPE_SETS[kind].intersection(password)]
    return {
        "valid": not problems,
        "problems": problems,
        "types": present,
        "warnings": warnings,
        "messages": [MESSAGES[code] for code in problems + warnings],
        "rule": RULE,
    }


def _problems(password: str) -> list[str]:
    found = set()
    if len(password) < MIN_LENGTH:
        found.add("too_short")
    if len(password) > MAX_LENGTH:
        found.add("too_long")
    if any(char.isspace() for char in password):
        found.add("contains_space")
    if any(char not in _ALLOWED and not char.isspace() for char in password):
        found.add("invalid_character")
    if sum(1 for chars in _TYPE_SETS.values() if chars.intersection(password)) < MIN_TYPES:
        found.add("too_few_types")
    return [code for code in PROBLEMS if code in found]


def _warnings(password: str) -> list[str]:
    lowered = password.lower()
    found = set()
    if lowered in common_passwords():
        found.add("common_password")
    # "Manager1", "bamboo!!": a word with the usual decoration is still one word.
    stem = lowered.rstrip(string.digits + string.punctuation)
    if stem in english_words():
        found.add("single_dictionary_word")
    if _EMAIL_RE.fullmatch(password):
        found.add("looks_like_email")
    return [code for code in WARNINGS if code in found]
