"""The hand-off queue's types and rules: a visitor waiting for an agent, and what they say.

A hand-off is ``open`` (waiting), ``claimed`` (one agent has it) or ``closed``. A session has at
most one hand-off that is not closed (the database holds that rule as a unique index), so asking
again returns the one already waiting. Only the agent who claimed a hand-off may close it; a
closed one takes no more messages. Messages have increasing ids per hand-off, so a poller asks
for the ones after the last id it saw (:meth:`Store.messages_after`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from helpbot.store.redaction import clean_text

STATUSES = ("open", "claimed", "closed")
ROLES = ("buyer", "bot", "agent")
MAX_TRANSCRIPT_TURNS = 50  # the last turns of the conversation the agent sees; older ones are dropped


@dataclass(frozen=True)
class Handoff:
    """A visitor waiting for (or talking to) a LiveChat agent."""

    id: int
    session_id: str
    created_at: str
    status: str
    claimed_by: str | None
    question: str | None
    transcript: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["transcript"] = [{"role": role, "text": text} for role, text in self.transcript]
        return data


@dataclass(frozen=True)
class HandoffMessage:
    """One message of a hand-off chat, by the buyer or the agent (or the bot)."""

    id: int
    handoff_id: int
    created_at: str
    role: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}. Known: {', '.join(ROLES)}")
    return role


def check_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise ValueError(f"Unknown hand-off status {status!r}. Known: {', '.join(STATUSES)}")
    return status


def transcript_json(transcript: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    """The transcript as stored: its last turns, every text redacted (see ``clean_text``)."""
    turns = [(check_role(role), clean_text(text) or "") for role, text in list(transcript)[-MAX_TRANSCRIPT_TURNS:]]
    return json.dumps(turns, ensure_ascii=False)


def handoff_from_row(row: tuple[Any, ...]) -> Handoff:
    """A Handoff from a row of :data:`HANDOFF_COLUMNS`."""
    id_, session_id, created_at, status, claimed_by, question, transcript = row
    turns = tuple((str(role), str(text)) for role, text in json.loads(transcript or "[]"))
    return Handoff(int(id_), session_id, created_at, status, claimed_by, question, turns)


def message_from_row(row: tuple[Any, ...]) -> HandoffMessage:
    id_, handoff_id, created_at, role, text = row
    return HandoffMessage(int(id_), int(handoff_id), created_at, role, text)


HANDOFF_COLUMNS = "id, session_id, created_at, status, claimed_by, question, transcript"
MESSAGE_COLUMNS = "id, handoff_id, created_at, role, text"
