"""Operations: ``GET /healthz``, ``GET /api/openapi.json``, ``GET /admin/report`` and
``POST /admin/reload`` (the admin ones behind the bearer token)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request

from helpbot.errors import HelpbotError
from helpbot.web.chat import log_store_failure
from helpbot.web.errors import STORAGE_RETRY_AFTER, ApiError, wants_html
from helpbot.web.openapi import openapi_document
from helpbot.web.parsing import query_int
from helpbot.web import reportdata
from helpbot.web.adminauth import require_admin
from helpbot.web.security import rate_limited
from helpbot.web.services import current_bot, services

log = logging.getLogger(__name__)

ops = Blueprint("ops", __name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")


@ops.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document(max_question_chars=current_app.config["MAX_QUESTION_CHARS"]))


@ops.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "entries": len(current_bot().entries)})


@admin.get("/report")
@rate_limited
def report():
    require_admin()
    limit = query_int("limit", 10, 1, 100)
    store = services().store
    try:
        data = store.report(limit=limit, days=reportdata.DAYS)
        days = data.pop("days", [])
        data["daily"] = reportdata.daily_rates(days, store.outcomes_since(days[0]["day"]) if days else [])
    except Exception as exc:
        log_store_failure("report failed", exc)
        raise ApiError(503, "storage_unavailable", "The report store cannot be read right now.",
                       headers={"Retry-After": STORAGE_RETRY_AFTER}) from None
    data["unanswered"], data["answered_now"] = reportdata.split_answered(data["unanswered"], current_bot())
    if wants_html():
        return render_template("report.html", report=data)
    return jsonify(data)



@admin.post("/reload")
@rate_limited
def reload_knowledge():
    """Rebuild the Bot from the knowledge folders and swap it in (see helpbot.web.reload)."""
    require_admin()
    reloader = services().reloader
    try:
        result = reloader.reload()
    except (HelpbotError, OSError) as exc:
        # KnowledgeError names the file and line; the old knowledge keeps serving.
        log.error("knowledge reload refused, still serving the previous knowledge: %s", exc)
        raise ApiError(422, "invalid_knowledge", f"{exc} (the previous knowledge is still serving)") from None
    signalled = 0
    if str(request.environ.get("SERVER_SOFTWARE", "")).startswith("gunicorn"):
        signalled = reloader.signal_siblings()  # the other workers reload in place too
    return jsonify({"reloaded": True, "entries": result.entries, "seconds": round(result.seconds, 3),
                    "generation": result.generation, "sessions_kept": result.sessions_kept,
                    "workers_signalled": signalled})
