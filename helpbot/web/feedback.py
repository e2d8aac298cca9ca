"""``POST /api/feedback``: a helpful / not helpful vote, acknowledged only once it is stored.

A vote counts only for an entry its session was shown (``Session.shown``: answered or offered),
so helpful rates cannot be stuffed by voting from made-up session ids; votes count against the
write limit (WRITE_RATE_LIMIT).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from helpbot.sessions import SessionsUnavailable
from helpbot.store import StoreQuotaError
from helpbot.web.chat import log_signal, log_store_failure
from helpbot.web.errors import STORAGE_RETRY_AFTER, ApiError
from helpbot.web.knowledge import entry_or_404
from helpbot.web.openapi import MAX_COMMENT_CHARS
from helpbot.web.parsing import field, json_object, session_field
from helpbot.web.security import client_key, write_limited
from helpbot.web.services import current_bot, services

feedback = Blueprint("feedback", __name__, url_prefix="/api")


@feedback.post("/feedback")
@write_limited
def vote():
    data = json_object()
    session_id = session_field(data, required=True)
    entry_id = field(data, "entry_id", str)
    helpful = field(data, "helpful", bool)
    comment = field(data, "comment", str, required=False)
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(400, "comment_too_long", f"The comment is {len(comment)} characters long; "
                                                f"the limit is {MAX_COMMENT_CHARS} characters.")
    entry_or_404(entry_id)
    session = _check_shown(session_id, entry_id)
    # Write first, acknowledge after: the store returns only once the row is committed, so
    # a 2xx always means the vote is in the database. Never a 2xx for feedback not saved.
    try:
        services().store.record_feedback(session_id, entry_id, helpful, comment,
                                         client=client_key(request.remote_addr))
    except StoreQuotaError:
        raise ApiError(429, "daily_limit", "You have sent a lot of feedback today; thank you! Please try again "
                                           "tomorrow.") from None
    except Exception as exc:
        log_store_failure("feedback not saved", exc)
        raise ApiError(503, "storage_unavailable", "Your feedback could not be saved right now; "
                                                   "please try again later.",
                       headers={"Retry-After": STORAGE_RETRY_AFTER}) from None
    if helpful:
        _learn(session, session_id, entry_id)
    return jsonify({"saved": True}), 201


def _check_shown(session_id: str, entry_id: str):
    """The session, when it was shown the entry; else a 409 (or 503 when sessions cannot be read)."""
    try:
        session = current_bot().sessions.load(session_id, strict=True)
        shown = session.shown
    except SessionsUnavailable:  # cannot tell: refuse for now rather than count any vote
        raise ApiError(503, "sessions_unavailable", "Your feedback could not be saved right now; "
                                                    "please try again in a moment.",
                       headers={"Retry-After": STORAGE_RETRY_AFTER}) from None
    if entry_id not in shown:
        raise ApiError(409, "entry_not_shown", "You can rate an answer only after the chat has given it to you; "
                                               "ask your question first, then rate the answer.")
    return session


def _learn(session, session_id: str, entry_id: str) -> None:
    """A helpful vote on the last answer: its question meant this entry (a curator-loop signal)."""
    if session.last_entry != entry_id or not session.last_question:
        return
    log_signal(session.last_question, entry_id, "helpful_vote", session_id)
