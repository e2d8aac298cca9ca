"""What may be stored of a visitor's text: password-looking tokens blanked, password checks never.

Privacy: every question or comment passes through :func:`clean_text` before any backend sees it,
which blanks password-looking tokens; a message that went to the password checker is never
stored at all ("[password check]" is stored in its place).
"""

from __future__ import annotations

import re

PASSWORD_PLACEHOLDER = "[password check]"
REDACTED = "[redacted]"
MAX_TEXT_CHARS = 2000

_PASSWORD_PHRASE = re.compile(r"(?i)\b(pass\s?word|passwd|pwd)(\s*(?:is|was|=|:)\s*)(\S+)")
_STRONG_PUNCT = frozenset("!#*@^~`|\\<>[]{};=_")
_TRAILING = "\"'.,;:!?)]}>"
_LEADING = "\"'([{<"
# Tokens that mix letters and digits but are not secrets: amounts with units ("5000pcs"),
# codes with a short prefix ("ORD12345", "US$500"), ordinals ("3rd"), dates and times.
_HARMLESS = re.compile(
    r"(?i)(?:[a-z]{0,4}[$€£¥]?\d[\d,.]*(?:[a-z]{1,5})?|\d+(?:st|nd|rd|th)|\d[\d:/.\-]*(?:am|pm)?)"
)


def _secret_looking(token: str) -> bool:
    core = token.strip(_LEADING).rstrip(_TRAILING)
    if len(token) < 6 or "://" in core:
        return False
    has_letter = any(c.isalpha() for c in core)
    has_digit = any(c.isdigit() for c in core)
    if any(c in _STRONG_PUNCT for c in core) and (has_letter or has_digit):
        return True
    return has_letter and has_digit and not _HARMLESS.fullmatch(core)


def storable(text: str) -> str:
    """``text`` as every backend can store it: an unpaired surrogate (JSON allows "\\ud800") and a
    NUL character (which PostgreSQL text refuses) become U+FFFD; nothing else changes."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def clean_text(text: str | None, *, tool: str | None = None) -> str | None:
    """The text safe to store: none for a password check, password-looking tokens blanked."""
    if text is None:
        return None
    if tool == "password_check":
        return PASSWORD_PLACEHOLDER
    text = _PASSWORD_PHRASE.sub(lambda m: m.group(1) + m.group(2) + REDACTED, storable(str(text)))
    tokens = re.split(r"(\s+)", text)
    cleaned = "".join(REDACTED if _secret_looking(t) and REDACTED not in t else t for t in tokens)
    return cleaned[:MAX_TEXT_CHARS]
