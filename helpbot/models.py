"""The public data types: knowledge entries, search hits and chat replies."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

AUDIENCES = ("buyer", "supplier", "both")
REPLY_KINDS = ("answer", "clarify", "fallback", "smalltalk", "handoff", "tool")
TOOL_NAMES = ("password_check", "fee_estimate", "dispute_deadlines", "payment_arrival")


@dataclass(frozen=True)
class Entry:
    """One curated question-and-answer of the knowledge base."""

    id: str
    title: str
    category: str
    audience: str
    questions: tuple[str, ...]
    answer: str
    source_lines: tuple[tuple[int, int], ...]
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    tool: str | None = None
    note: str | None = None
    learned: tuple[str, ...] = ()  # the questions among ``questions`` that came from the curator loop
    file: str = ""
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["questions"] = list(self.questions)
        data["source_lines"] = [list(r) for r in self.source_lines]
        data["tags"] = list(self.tags)
        data["related"] = list(self.related)
        data["learned"] = list(self.learned)
        return data

    def public_dict(self) -> dict[str, Any]:
        """What the public API shows: no server file path or line, no curators' note."""
        data = self.to_dict()
        for private in ("file", "line", "note"):
            del data[private]
        return data


@dataclass(frozen=True)
class Hit:
    """One search result, best first in a list."""

    entry_id: str
    title: str
    answer: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Suggestion:
    """A help article offered as a next step: a related question, a "did you mean" option or a
    fallback's guess."""

    entry_id: str
    title: str

    def to_dict(self) -> dict[str, str]:
        return {"entry_id": self.entry_id, "title": self.title}


@dataclass(frozen=True)
class Reply:
    """What the bot says back to one message.

    ``secret_next``: the reply asks the user to type a password, so the next message is a secret
    (never logged, stored or echoed by any layer). ``learned``: this message picked ``entry_id``
    from the options of a clarify or fallback, so the question before it meant that entry:
    (that question, "clarify_pick" | "fallback_pick") for the curator loop; not sent to clients.
    """

    kind: str
    text: str
    entry_id: str | None = None
    confidence: float = 0.0
    tool: str | None = None
    result: dict[str, Any] | None = None
    suggestions: tuple[Suggestion, ...] = ()
    intent: str | None = None
    secret_next: bool = False
    learned: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "entry_id": self.entry_id,
            "confidence": round(float(self.confidence), 4),
            "tool": self.tool,
            "result": self.result,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "intent": self.intent,
            "secret_next": self.secret_next,
        }
