"""A Session as JSON and back, with every value tagged with its type; never pickle.

Tool figures are dates, Decimals, numbers and text, which JSON alone would blur (a date becomes
a string, a Decimal a float). Each value is written as ``[tag, value]``: ``s`` text, ``i`` whole
number, ``f`` float (as its repr, so it is exact), ``b`` true/false, ``n`` null, ``d`` date,
``t`` date and time, ``D`` Decimal, ``l`` list, ``m`` mapping with text keys. A value of any other
type is refused when saving (a bug to fix, not a state to lose quietly), and a stored document
that does not decode is reported as :class:`SessionDecodeError`, so the store can start afresh.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from helpbot.models import Suggestion
from helpbot.sessions.state import Session

VERSION = 1  # bumped when the layout changes; an unknown version decodes as an error
_PARAMS = ("tool_params", "offer_params", "last_params")
_NAMES = ("pending_tool", "offered_tool", "last_tool", "last_kind", "last_question", "last_entry")


class SessionDecodeError(ValueError):
    """A stored session that cannot be read back (corrupt, or written by another version)."""


def encode_value(value: Any) -> list[Any]:
    if value is None:
        return ["n", None]
    if isinstance(value, bool):  # before int: True is an int too
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, Decimal):
        return ["D", str(value)]
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, (list, tuple)):
        return ["l", [encode_value(v) for v in value]]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return ["m", {k: encode_value(v) for k, v in value.items()}]
    raise TypeError(f"a session cannot hold a {type(value).__name__} value; "
                    "use text, numbers, dates, Decimals, lists or mappings")


_DECODERS = {
    "n": lambda v: None, "b": bool, "i": int, "f": float, "s": str, "D": Decimal,
    "t": datetime.fromisoformat, "d": date.fromisoformat,
    "l": lambda v: [decode_value(x) for x in v],
    "m": lambda v: {k: decode_value(x) for k, x in v.items()},
}


def decode_value(item: Any) -> Any:
    tag, value = item
    return _DECODERS[tag](value)


def encode(session: Session) -> str:
    """The session as compact JSON text."""
    doc: dict[str, Any] = {"v": VERSION}
    doc["suggestions"] = [[s.entry_id, s.title] for s in session.suggestions]
    for name in _NAMES:
        doc[name] = getattr(session, name)
    for name in _PARAMS:
        doc[name] = encode_value(dict(getattr(session, name)))[1]
    doc["shown"] = list(session.shown)
    doc["history"] = [[role, text] for role, text in session.history]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Session:
    """The session that :func:`encode` wrote; SessionDecodeError when it cannot be read."""
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("v") != VERSION:
            raise ValueError(f"unknown session format {doc.get('v') if isinstance(doc, dict) else doc!r}")
        values: dict[str, Any] = {
            "suggestions": [Suggestion(str(e), str(t)) for e, t in doc["suggestions"]],
            "shown": [str(e) for e in doc["shown"]],
            "history": [(str(role), str(said)) for role, said in doc["history"]],
        }
        for name in _NAMES:  # .get: sessions saved before a name existed still load
            values[name] = None if doc.get(name) is None else str(doc[name])
        for name in _PARAMS:
            values[name] = decode_value(["m", doc[name]])
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
        raise SessionDecodeError(f"stored session does not decode: {type(exc).__name__}") from None
    return Session(**values)
