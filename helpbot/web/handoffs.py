"""The hand-off queue over HTTP: the buyer's side (``/api/handoff/messages``: poll for the agent's
replies, write to the agent) and the agents' side (``/admin/handoffs``: the queue, claim, reply,
close; behind the admin sign-in).

What a buyer is told matches what happens: a hand-off is queued until an agent claims it; the
widget polls for the agent's replies; once the agent closes it the bot answers again. Everything
is kept in the Store (helpbot.store), so every worker and host sees the same queue.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from helpbot.store import Handoff, HandoffConflict, HandoffNotFound, StoreError, StoreQuotaError
from helpbot.web.adminauth import COOKIE, admin_token, csrf_for, require_admin
from helpbot.web.chat import log_store_failure
from helpbot.web.errors import STORAGE_RETRY_AFTER, ApiError
from helpbot.web.openapi import VISIBLE
from helpbot.web.parsing import field, json_object, query_int, session_field
from helpbot.web.security import client_key, rate_limited, write_limited
from helpbot.web.services import current_bot, services

log = logging.getLogger(__name__)

buyer_side = Blueprint("handoff_buyer", __name__, url_prefix="/api/handoff")
agent_side = Blueprint("handoff_agent", __name__, url_prefix="/admin/handoffs")

MAX_MESSAGE_CHARS = 2000
_VISIBLE = re.compile(VISIBLE)  # one definition of "not blank" with the document
MAX_ID = 2**63 - 1  # the largest id a database integer column holds
SUGGESTED = 3  # the bot's best matching answers shown to the agent, ready to paste
STATUS_TEXT = {
    "open": "You are in the queue. An agent will reply here as soon as one is free; you can keep "
            "typing and the agent will see your messages.",
    "claimed": "An agent is looking at your conversation and will reply here.",
    "closed": "The agent has closed this conversation. Ask me anything, or ask for an agent again.",
}


def _storage(what: str, exc: Exception) -> ApiError:
    log_store_failure(what, exc)
    return ApiError(503, "storage_unavailable", "The agents' queue cannot be reached right now; please try "
                                                "again in a moment.", headers={"Retry-After": STORAGE_RETRY_AFTER})


def _text(data: dict[str, Any]) -> str:
    text = field(data, "text", str).strip()
    if not _VISIBLE.search(text):
        raise ApiError(400, "empty_message", "The message is empty.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ApiError(400, "message_too_long", f"The message is {len(text)} characters long; the limit is "
                                                f"{MAX_MESSAGE_CHARS} characters.")
    return text


def _message(message: Any) -> dict[str, Any]:
    return {"id": message.id, "role": message.role, "text": message.text, "created_at": message.created_at}


# -- the buyer's side -------------------------------------------------------------------------------

@buyer_side.get("/messages")
@rate_limited  # the widget polls every few seconds: a small share of a buyer's read budget
def poll():
    """The session's hand-off status and the messages after ``after`` (the widget polls this)."""
    session_id = session_field(dict(request.args), required=True)
    after = query_int("after", 0, 0, MAX_ID)
    store = services().store
    try:
        handoff = store.handoff_for_session(session_id)
        messages = store.messages_after(handoff.id, after) if handoff else []
    except StoreError as exc:
        raise _storage("hand-off poll failed", exc) from None
    if handoff is None:
        return jsonify({"status": "none", "agent": None, "text": None, "messages": []})
    return jsonify({"status": handoff.status, "agent": handoff.claimed_by, "text": STATUS_TEXT[handoff.status],
                    "messages": [_message(m) for m in messages]})


@buyer_side.post("/messages")
@write_limited
def buyer_writes():
    """A buyer's message to the agent of their open hand-off."""
    data = json_object()
    session_id = session_field(data, required=True)
    text = _text(data)
    store = services().store
    try:
        handoff = store.handoff_for_session(session_id)
        if handoff is None or handoff.status == "closed":
            raise ApiError(409, "no_open_handoff", "There is no open conversation with an agent; ask for an "
                                                   "agent first.")
        message = store.add_handoff_message(handoff.id, "buyer", text, client=client_key(request.remote_addr))
    except StoreQuotaError:
        raise ApiError(429, "daily_limit", "You have sent a lot of messages today; please try again tomorrow.") from None
    except HandoffConflict:
        raise ApiError(409, "no_open_handoff", "The agent has closed this conversation; ask for an agent again "
                                               "if you need one.") from None
    except StoreError as exc:
        raise _storage("buyer message not saved", exc) from None
    return jsonify(_message(message)), 201


# -- the agents' side -------------------------------------------------------------------------------

def _agent(data: dict[str, Any]) -> str:
    agent = field(data, "agent", str).strip()
    if not _VISIBLE.search(agent) or len(agent) > 80:  # the document's pattern and lengths
        raise ApiError(400, "invalid_agent", "Give your name as the agent (1 to 80 characters).")
    return agent


def _found(handoff_id: int) -> Handoff:
    try:
        handoff = services().store.get_handoff(handoff_id)
    except StoreError as exc:
        raise _storage("hand-off read failed", exc) from None
    if handoff is None:
        raise ApiError(404, "not_found", f"There is no hand-off {handoff_id}.")
    return handoff


@agent_side.before_request
def agents_only():
    require_admin()
    handoff_id = (request.view_args or {}).get("handoff_id")
    if handoff_id is not None and handoff_id > MAX_ID:  # no database holds an id that large
        raise ApiError(404, "not_found", f"There is no hand-off {handoff_id}.")


@agent_side.get("")
def queue():
    """Hand-offs, newest first (``?status=open|claimed|closed``), and the CSRF token for posts."""
    status = request.args.get("status")
    if status not in (None, "open", "claimed", "closed"):
        raise ApiError(400, "invalid_parameter", "status must be open, claimed or closed.", field="status")
    try:
        found = services().store.list_handoffs(status=status, limit=query_int("limit", 50, 1, 200))
    except StoreError as exc:
        raise _storage("hand-off queue read failed", exc) from None
    cookie = request.cookies.get(COOKIE)
    return jsonify({"handoffs": [h.to_dict() for h in found],
                    "csrf_token": csrf_for(admin_token(), cookie) if cookie else None})


@agent_side.get("/<int:handoff_id>")
def one(handoff_id: int):
    """One hand-off with its messages and the bot's best matching answers to paste."""
    handoff = _found(handoff_id)
    try:
        messages = services().store.messages_after(handoff.id, 0)
    except StoreError as exc:
        raise _storage("hand-off messages read failed", exc) from None
    buyer_lines = [text for role, text in handoff.transcript if role == "buyer"]
    buyer_lines += [m.text for m in messages if m.role == "buyer"]
    asked = handoff.question or (buyer_lines[-1] if buyer_lines else "")
    suggested = [hit.to_dict() for hit in current_bot().search(asked, k=SUGGESTED)] if asked.strip() else []
    return jsonify({**handoff.to_dict(), "messages": [_message(m) for m in messages], "suggested": suggested})


def _act(handoff_id: int, action: str) -> Any:
    agent = _agent(json_object())
    store = services().store
    try:
        changed = getattr(store, f"{action}_handoff")(handoff_id, agent)
    except HandoffConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except HandoffNotFound:
        raise ApiError(404, "not_found", f"There is no hand-off {handoff_id}.") from None
    except StoreError as exc:
        raise _storage(f"hand-off {action} failed", exc) from None
    return jsonify(changed.to_dict())


@agent_side.post("/<int:handoff_id>/claim")
def claim(handoff_id: int):
    return _act(handoff_id, "claim")


@agent_side.post("/<int:handoff_id>/close")
def close(handoff_id: int):
    return _act(handoff_id, "close")


@agent_side.post("/<int:handoff_id>/messages")
def agent_writes(handoff_id: int):
    data = json_object()
    agent = _agent(data)
    text = _text(data)
    handoff = _found(handoff_id)
    if handoff.status != "claimed" or handoff.claimed_by != agent:
        raise ApiError(409, "conflict", "Claim this hand-off before replying to it"
                                        + (f" (it is {handoff.status})." if handoff.status != "open" else "."))
    try:
        message = services().store.add_handoff_message(handoff_id, "agent", text)
    except HandoffConflict as exc:  # closed in the meantime
        raise ApiError(409, "conflict", str(exc)) from None
    except StoreError as exc:
        raise _storage("agent reply not saved", exc) from None
    current_app.logger.info("agent %s replied on hand-off %d", agent, handoff_id)
    return jsonify(_message(message)), 201
