"""``POST /api/feedback``: a helpful / not helpful vote, acknowledged only once it is stored."""

from __future__ import annotations

from flask import Blueprint, jsonify

from helpbot.web.chat import log_store_failure
from helpbot.web.errors import STORAGE_RETRY_AFTER, ApiError
from helpbot.web.knowledge import entry_or_404
from helpbot.web.openapi import MAX_COMMENT_CHARS
from helpbot.web.parsing import field, json_object, session_field
from helpbot.web.services import services

feedback = Blueprint("feedback", __name__, url_prefix="/api")


@feedback.post("/feedback")
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
    # Write first, acknowledge after: the store returns only once the row is committed, so
    # a 2xx always means the vote is in the database. Never a 2xx for feedback not saved.
    try:
        services().store.record_feedback(session_id, entry_id, helpful, comment)
    except Exception as exc:
        log_store_failure("feedback not saved", exc)
        raise ApiError(503, "storage_unavailable", "Your feedback could not be saved right now; "
                                                   "please try again later.",
                       headers={"Retry-After": STORAGE_RETRY_AFTER}) from None
    return jsonify({"saved": True}), 201
