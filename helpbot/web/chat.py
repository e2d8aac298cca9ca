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

from flask import Blueprint, current_app, jsonify

from helpbot.store import StoreError, clean_text, is_gap
from helpbot.web.errors import ApiError
from helpbot.web.parsing import field, json_object, session_field
from helpbot.web.security import rate_limited, within_write_limit, write_limited
from helpbot.web.services import current_bot, services

log = logging.getLogger(__name__)

chat = Blueprint("chat", __name__, url_prefix="/api")

HANDOFF_MESSAGE = ("A LiveChat agent will join this chat shortly. You can keep typing your question "
                   "meanwhile; the agent will see it.")


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
    if reply.secret_next:
        _note_secret_prompt(session_id)
    return jsonify({**reply.to_dict(), "session_id": session_id})


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
    """Log content gaps and chat hand-offs; a failing store never stops the reply."""
    gap = is_gap(reply.kind, reply.confidence)
    if not gap and reply.kind != "handoff":
        return
    store = services().store
    tool = "password_check" if reply.tool == "password_check" or _secret_expected(session_id) else reply.tool
    try:
        if gap:
            store.record_gap(question, reply.kind, reply.confidence, entry_id=reply.entry_id,
                             session_id=session_id, tool=tool)
        if reply.kind == "handoff" and within_write_limit():  # over it: the agent still comes, no row
            store.record_handoff(session_id, clean_text(question, tool=tool))
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
    logged = True
    try:
        services().store.record_handoff(session_id, clean_text(question))
    except Exception as exc:
        # The visitor still gets the agent (LiveChat joins on the client side); only our log is lost.
        logged = False
        log_store_failure("hand-off not logged", exc)
    return jsonify({"ok": True, "logged": logged, "message": HANDOFF_MESSAGE})
