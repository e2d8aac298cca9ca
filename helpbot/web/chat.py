"""The conversation endpoints: ``POST /api/ask`` and ``POST /api/handoff``, and what they log.

Conversations are kept by the Bot's session store (helpbot.sessions: in Redis when configured,
so any worker or host continues them); ``session.history`` holds the last turns, secrets replaced,
for a hand-off transcript. Hand-offs count against the write limit (WRITE_RATE_LIMIT).

The secrecy rule lives here, once: a message typed after a reply that said "the next message is
a password" (``Reply.secret_next``) is never stored, whichever worker gets it - the prompt is
noted in the store, which every worker shares.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from helpbot.store import StoreError, StoreQuotaError, clean_text, is_gap
from helpbot.web import outcomes
from helpbot.web.errors import STORAGE_RETRY_AFTER, ApiError
from helpbot.web.parsing import field, json_object, session_field
from helpbot.web.security import client_key, rate_limited, within_write_limit, write_limited
from helpbot.web.services import current_bot, services

log = logging.getLogger(__name__)

chat = Blueprint("chat", __name__, url_prefix="/api")

# What the buyer is told is what happens: the request waits in the agents' queue (helpbot.web.handoffs)
# until one claims it, and the widget shows the agent's replies when they come.
HANDOFF_MESSAGE = ("You are in the queue for a LiveChat agent. An agent will reply here as soon as one is "
                   "free; you can keep typing and the agent will see your messages.")
HANDOFF_NOT_QUEUED = ("We could not put you in the agents' queue just now. Please try again in a few "
                      "minutes.")


def log_store_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, StoreError):
        log.error("%s: %s", what, exc)
    else:  # not a failure the store foresaw: keep the traceback
        log.exception("%s: unexpected store error", what)


@chat.post("/ask")
@rate_limited
def ask():
    data = json_object()
    question = field(data, "question", str)
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if not question.strip():
        raise ApiError(400, "empty_question", "The question is empty; type a question, for example "
                                              "\"how do I post an RFQ?\"")
    if len(question) > limit:
        raise ApiError(400, "question_too_long", f"The question is {len(question)} characters long; "
                                                 f"the limit is {limit} characters.")
    bot = current_bot()
    session_id = session_field(data, required=False) or bot.new_session_id()
    reply = bot.ask(question, session_id=session_id)
    _record(reply, question, session_id)
    outcomes.counter().count(reply.kind)
    if reply.secret_next:
        _note_secret_prompt(session_id)
    return jsonify({**reply.to_dict(), "session_id": session_id})


def log_signal(question: str, entry_id: str, kind: str, session_id: str) -> None:
    """Log a curator-loop signal (helpbot.curation); a failing store costs only the signal."""
    try:
        services().store.record_signal(question, entry_id, kind, session_id=session_id,
                                       client=client_key(request.remote_addr))
    except Exception as exc:
        log_store_failure("signal not logged", exc)


def _secret_expected(session_id: str) -> bool:
    """Whether this message answers "type the password" (asked by whichever worker; the note is
    used up). Asked only before storing something of a message: a note left unused only keeps a
    later message of that session out of the log until it expires. When the store cannot say,
    assume it is a secret: store nothing of it."""
    try:
        return services().store.secret_expected(session_id)
    except Exception as exc:
        log_store_failure("could not check for a password prompt", exc)
        return True


def _note_secret_prompt(session_id: str) -> None:
    try:
        services().store.expect_secret(session_id)
    except Exception as exc:
        log_store_failure("could not note the password prompt", exc)


def _record(reply, question: str, session_id: str) -> None:
    """Log content gaps, chat hand-offs and curator-loop signals; a failing store never stops the reply."""
    gap = is_gap(reply.kind, reply.confidence)
    if reply.learned is not None:  # a pick from a clarify or fallback: the curator loop learns from it
        log_signal(reply.learned[0], reply.entry_id, reply.learned[1], session_id)
    if not gap and reply.kind != "handoff":
        return
    store = services().store
    tool = "password_check" if reply.tool == "password_check" or _secret_expected(session_id) else reply.tool
    try:
        if gap:
            store.record_gap(question, reply.kind, reply.confidence, entry_id=reply.entry_id,
                             session_id=session_id, tool=tool, client=client_key(request.remote_addr))
        if reply.kind == "handoff" and within_write_limit():  # over it: no queue entry
            open_handoff(session_id, clean_text(question, tool=tool))
    except StoreError as exc:
        log.warning("could not log the question (%s): %s", reply.kind, exc)
    except Exception:  # a store bug must not cost the visitor the answer either
        log.exception("could not log the question (%s): unexpected store error", reply.kind)


@chat.post("/handoff")
@write_limited
def handoff():
    data = json_object()
    session_id = session_field(data, required=True)
    question = field(data, "question", str, required=False)
    if question is not None and len(question) > current_app.config["MAX_QUESTION_CHARS"]:
        question = question[: current_app.config["MAX_QUESTION_CHARS"]]  # context only; keep what fits
    try:
        handoff = open_handoff(session_id, clean_text(question))
    except StoreQuotaError:
        raise ApiError(429, "daily_limit", "You have sent a lot of requests today; please try again tomorrow, "
                                           "or write to us by email.") from None
    except Exception as exc:
        log_store_failure("hand-off not queued", exc)
        raise ApiError(503, "storage_unavailable", HANDOFF_NOT_QUEUED, headers={"Retry-After": STORAGE_RETRY_AFTER}) \
            from None
    return jsonify({"ok": True, "logged": True, "message": HANDOFF_MESSAGE,
                    "handoff": {"id": handoff.id, "status": handoff.status}})


def open_handoff(session_id: str, question: str | None):
    """Queue the session for an agent with its recent turns (secrets already replaced in the
    session's history); a session already queued gets its open hand-off back."""
    try:
        transcript = tuple(current_bot().sessions.load(session_id).history)
    except Exception:  # the conversation store is down: queue without the transcript
        log.warning("hand-off without a transcript: the conversation store is unavailable")
        transcript = ()
    return services().store.open_handoff(session_id, question, transcript, client=client_key(request.remote_addr))
