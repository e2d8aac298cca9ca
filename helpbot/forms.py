"""The tool dialogue: run a tool when the message carries its figures, ask for what is missing one
question at a time, take an offer, and re-run the last calculation with one figure changed.

State lives in the session (helpbot.sessions): the tool waiting for figures and what it has, the
tool offered under the last answer with what that question already said (the method of "how long
does a boleto payment take?"), and the last calculation. A password is checked and forgotten: it is
never kept in the session, never repeated, and the reply that asks for one says the next message is
a secret (``Reply.secret_next``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from helpbot import followups, replies
from helpbot.errors import ToolInputError
from helpbot.models import Reply
from helpbot.sessions import Session
from helpbot.tools.inputs import LABELS
from helpbot.tools.methods import METHOD_NAMES
from helpbot.tools.spec import TOOLS, ToolSpec, bare_answer

_SENTENCE = re.compile(
    r"^\s*(how|what|where|when|why|who|which|can|could|do|does|is|are|i|i'm|my|please|help|thanks?|no|cancel)\b",
    re.I,
)
TOOL_CONFIDENCE = 0.9  # a calculation on the user's own figures is as sure as its inputs


def _could_be_a_password(message: str) -> bool:
    """After "type the password", a reply is the password unless it reads as a sentence."""
    if "?" in message or len(message) > 64:
        return False
    return len(message.split()) == 1 or not _SENTENCE.match(message)


def run(spec: ToolSpec, params: dict[str, Any], session: Session, confidence: float) -> Reply:
    """Run the tool and say the result; a bad figure is said politely and nothing is kept."""
    session.pending_tool, session.tool_params = None, {}
    session.offered_tool, session.offer_params = None, {}
    try:
        result = spec.run(params)
    except ToolInputError as exc:
        return Reply("tool", replies.tool_failed(str(exc)), None, confidence, tool=spec.name)
    if spec.secret is None:  # a password is never kept, not even for a follow-up
        session.last_tool, session.last_params = spec.name, dict(params)
    return Reply("tool", spec.describe(result), None, max(confidence, TOOL_CONFIDENCE), tool=spec.name, result=result)


def ask_next(spec: ToolSpec, params: dict[str, Any], session: Session, confidence: float) -> Reply:
    session.pending_tool = spec.name
    session.tool_params = {k: v for k, v in params.items() if k != spec.secret}
    first = spec.missing(params)[0]
    return Reply("tool", spec.asks[first], None, confidence, tool=spec.name, secret_next=first == spec.secret)


def start(spec: ToolSpec, text: str, session: Session, today: date, confidence: float,
          known: dict[str, Any] | None = None) -> Reply:
    """A tool asked for: run it if the figures are all there, else ask for the first missing one."""
    params = {**(known or {}), **spec.extract(text, today)}
    return run(spec, params, session, confidence) if not spec.missing(params) else \
        ask_next(spec, params, session, confidence)


def complete_in_message(text: str, session: Session, today: date, confidence: float, *,
                        first: str | None = None) -> Reply | None:
    """The message asks what a tool computes and carries every figure it needs: run it.
    ``first``: the tool of the entry being answered, tried before the others."""
    order = ([first] if first else []) + [name for name in TOOLS if name != first]
    for spec in (TOOLS[name] for name in order):
        if spec.trigger.search(text) and spec.personal(text):
            params = spec.extract(text, today)
            if params and not spec.missing(params):
                return run(spec, params, session, confidence)
    return None


def offer(tool: str | None, text: str, session: Session, today: date) -> str:
    """The offer to say under a knowledge answer; remembers what the question already said."""
    if not tool:
        session.offered_tool, session.offer_params = None, {}
        return ""
    spec = TOOLS[tool]
    session.offered_tool = tool
    session.offer_params = {k: v for k, v in spec.extract(text, today).items() if k != spec.secret}
    return spec.offer


def follow_up(text: str, session: Session, today: date) -> Reply | None:
    """The turn after a question for a figure, an offer or a result; None: a new question."""
    return _continue_form(text, session, today) or _take_offer(text, session, today) or _change(text, session, today)


def _continue_form(text: str, session: Session, today: date) -> Reply | None:
    if not session.pending_tool:
        return None
    spec = TOOLS[session.pending_tool]
    asked = spec.missing(session.tool_params)[0]
    found = spec.extract(text, today)
    if asked == spec.secret and spec.secret not in found and _could_be_a_password(text):
        found[spec.secret] = text.strip()  # answering "type the password": the whole message is it
    if asked not in found:
        found.update(bare_answer(asked, text, today))
    if not found:
        session.pending_tool, session.tool_params = None, {}  # something else: answer it normally
        return None
    params = {**session.tool_params, **found}
    return run(spec, params, session, 1.0) if not spec.missing(params) else ask_next(spec, params, session, 1.0)


def _take_offer(text: str, session: Session, today: date) -> Reply | None:
    if not session.offered_tool:
        return None
    spec = TOOLS[session.offered_tool]
    known = dict(session.offer_params)
    if followups.is_yes(text):
        return start(spec, text, session, today, 1.0, known)
    found = spec.extract(text, today)
    other = any(s.trigger.search(text) for s in TOOLS.values() if s is not spec)
    if not found or (other and not spec.trigger.search(text)):
        return None
    params = {**known, **found}
    # Figures for the offered tool ("I paid on the 20th" after "how long does a boleto take?").
    return run(spec, params, session, 1.0) if not spec.missing(params) else ask_next(spec, params, session, 1.0)


def _change(text: str, session: Session, today: date) -> Reply | None:
    if not session.last_tool or not followups.is_change(text):
        return None
    spec = TOOLS[session.last_tool]
    changed = {k: v for k, v in spec.extract(text, today).items() if session.last_params.get(k) != v}
    if not changed:
        return None
    before = session.last_params
    params = {**before, **changed}
    change = _describe_change(changed)
    try:
        same = spec.run(params) == spec.run(before)
    except ToolInputError:
        same = False
    reply = run(spec, params, session, 1.0)
    if same and reply.result is not None:  # say so, rather than repeat the same reply as if it were new
        return Reply(reply.kind, replies.unchanged(change, reply.text), None, reply.confidence, tool=reply.tool,
                     result=reply.result)
    return reply


def _describe_change(changed: dict[str, Any]) -> str:
    parts = []
    for name, value in changed.items():
        if name == "currency":
            parts.append(f"Paying in {value}")
        elif name == "method":
            parts.append(f"Paying by {METHOD_NAMES.get(value, value)}")
        elif name.endswith("_on") and isinstance(value, date):
            parts.append(f"With the {LABELS.get(name, name)} {replies.day(value)}")
        elif name in ("order_amount", "principal", "amount"):
            parts.append(f"For {replies.money(value, changed.get('currency', 'USD'))}")
        else:
            parts.append(f"With the {LABELS.get(name, name.replace('_', ' '))} {value}")
    return " and ".join(parts) or "That change"
