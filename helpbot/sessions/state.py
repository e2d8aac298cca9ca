"""One conversation's state (:class:`Session`) and the two bounded logs it keeps for other
features: the entries it was shown (a vote counts only for those) and its last turns (the
transcript an agent gets on a hand-off).

A password typed into the checker is never kept here: helpbot.forms drops it from the tool's
figures, and :func:`record_turn` writes "[password check]" in its place in the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from helpbot.models import Suggestion
from helpbot.store import clean_text

MAX_SHOWN = 50          # entry ids remembered per conversation, most recent last
MAX_HISTORY = 20        # (role, text) turns kept for a hand-off transcript
MAX_TURN_CHARS = 500    # of each turn's text: enough for an agent to follow, small in Redis


@dataclass
class Session:
    """One conversation's state. Mutable on purpose: the conversation's parts (helpbot.forms,
    helpbot.bot) update it during one message, and the session store saves it afterwards."""

    suggestions: list[Suggestion] = field(default_factory=list)  # the articles last offered
    pending_tool: str | None = None      # a tool waiting for more figures
    tool_params: dict[str, Any] = field(default_factory=dict)
    offered_tool: str | None = None      # offered under the last answer
    offer_params: dict[str, Any] = field(default_factory=dict)  # what that question already said
    last_tool: str | None = None         # the last calculation, for "and in EUR?"
    last_params: dict[str, Any] = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)               # entry ids answered or offered
    history: list[tuple[str, str]] = field(default_factory=list)  # (role "buyer" | "bot", text)
    # The last reply, for the curator loop's signals (helpbot.curation): a pick from a clarify or
    # fallback list means the question before it meant that entry; a helpful vote on the last
    # answer means its question did. The question is kept cleaned, never after a password prompt.
    last_kind: str | None = None
    last_question: str | None = None
    last_entry: str | None = None


def note_shown(session: Session, entry_ids: Iterable[str]) -> None:
    """Remember entries this conversation was shown (answered or offered), most recent last."""
    for entry_id in entry_ids:
        if entry_id in session.shown:
            session.shown.remove(entry_id)
        session.shown.append(entry_id)
    del session.shown[:-MAX_SHOWN]


def record_turn(session: Session, question: str, answer: str, *, secret: bool) -> None:
    """Add one exchange to the history. ``secret``: the message went to (or may have been meant
    for) the password checker, so "[password check]" is kept in its place."""
    buyer = clean_text(question, tool="password_check" if secret else None) or ""
    session.history.append(("buyer", _short(buyer)))
    session.history.append(("bot", _short(clean_text(answer) or "")))
    del session.history[:-MAX_HISTORY]


def note_reply(session: Session, question: str, kind: str, entry_id: str | None, *, secret: bool) -> None:
    """Remember how the last message ended (see ``Session.last_kind``)."""
    session.last_kind = kind
    session.last_question = None if secret else _short(clean_text(question) or "") or None
    session.last_entry = entry_id if kind == "answer" else None


def _short(text: str) -> str:
    return text if len(text) <= MAX_TURN_CHARS else text[: MAX_TURN_CHARS - 1] + "…"
