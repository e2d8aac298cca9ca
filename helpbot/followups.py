"""Recognising follow-ups: a message that only makes sense after the bot's last reply.

- picking one of the offered articles: "the second one", "2", "last", or its title;
- taking an offer to calculate: "yes", "sure", "go ahead";
- changing one figure of the last calculation: "and in EUR?", "what about by wire?", "and if it
  was delivered on the 5th?".

Pure functions of the text (and the suggestions shown); what to do with them is decided by the
bot (helpbot.bot) and the tool dialogue (helpbot.forms).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from helpbot.models import Suggestion

_ORDINALS = {
    "first": 0, "1": 0, "1st": 0, "one": 0, "second": 1, "2": 1, "2nd": 1, "two": 1,
    "third": 2, "3": 2, "3rd": 2, "three": 2, "last": -1,
}
_CHOICE = re.compile(
    r"^\s*(?:the\s+)?(first|second|third|last|1st|2nd|3rd|one|two|three|[123])(?:\s+one)?(?:\s+please)?[\s.!]*$",
    re.IGNORECASE,
)
_YES = re.compile(r"^\s*(yes|yeah|yep|yup|sure|ok(ay)?|please|go ahead|do it|calculate( it)?|y|si|oui)\b[\s.!]*",
                  re.IGNORECASE)
_RERUN = re.compile(r"^\s*(and|what\s+about|how\s+about|what\s+if|and\s+if|in|with|for|by|if|instead)\b",
                    re.IGNORECASE)
MAX_RERUN_WORDS = 10


def chosen(text: str, suggestions: Sequence[Suggestion]) -> Suggestion | None:
    """The suggestion the message picks, by position or by its title, or None."""
    if not suggestions:
        return None
    match = _CHOICE.match(text)
    if match:
        index = _ORDINALS[match.group(1).lower()]
        return suggestions[index] if -len(suggestions) <= index < len(suggestions) else None
    folded = text.casefold().strip(" ?.!")
    return next((s for s in suggestions if s.title.casefold().strip(" ?.!") == folded), None)


def is_yes(text: str) -> bool:
    return bool(_YES.match(text))


def is_change(text: str) -> bool:
    """A short message that starts like a change of one figure ("and in EUR?")."""
    return len(text.split()) <= MAX_RERUN_WORDS and bool(_RERUN.match(text))
