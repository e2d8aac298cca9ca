"""Operations: ``GET /healthz``, ``GET /api/openapi.json``, ``GET /admin/report``, and
``POST /admin/reload`` with ``GET /admin/reload[/<id>]`` for its status (the admin ones behind
the bearer token; every error is the API's JSON shape, see helpbot.web.errors)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request

from helpbot.broadcast import Published
from helpbot.errors import HelpbotError
from helpbot.web.chat import log_store_failure
from helpbot.web.errors import STORAGE_RETRY_AFTER, ApiError, wants_html
from helpbot.web.openapi import openapi_document
from helpbot.web.parsing import query_int
from helpbot.web import reportdata
from helpbot.web.adminauth import require_admin
from helpbot.web.reload import worker_name
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
    require_admin(page=True)
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
    """Start a reload on this worker and publish it to every worker of the fleet; 202 at once
    with the status to poll (see helpbot.web.reload). Files that do not load: 422 now."""
    require_admin()
    reloader = services().reloader
    try:
        reloader.check()  # milliseconds: refuse a broken file before anything starts
    except (HelpbotError, OSError) as exc:
        # KnowledgeError names the file and line; the old knowledge keeps serving.
        log.error("knowledge reload refused, still serving the previous knowledge: %s", exc)
        raise ApiError(422, "invalid_knowledge", f"{exc} (the previous knowledge is still serving)") from None
    status, published = reloader.publish("POST /admin/reload")
    body = _fleet_status(status.id, published)
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = body["status_url"]
    return response


@admin.get("/reload")
@rate_limited
def reload_latest():
    """The status of the latest reload this worker knows of (state "idle" when none)."""
    require_admin()
    reloader = services().reloader
    latest = reloader.broadcast.safe_latest()
    mine = reloader.status()
    reload_id = latest.reload_id if latest is not None else mine.id if mine is not None else None
    if reload_id is None:
        return jsonify({"id": None, "state": "idle", "status_url": None, "workers": {},
                        "serving": _serving(reloader), "published": None})
    return jsonify(_fleet_status(reload_id, latest))


@admin.get("/reload/<reload_id>")
@rate_limited
def reload_status(reload_id: str):
    require_admin()
    reload_id = reload_id[:64]
    body = _fleet_status(reload_id, services().reloader.broadcast.safe_latest())
    if not body["workers"]:
        raise ApiError(404, "not_found", f"No reload {reload_id!r} is known; GET /admin/reload shows the latest.")
    return jsonify(body)


def _serving(reloader) -> dict:
    return {"worker": reloader.name or worker_name(), "entries": len(current_bot().entries), "fingerprint": reloader.fingerprint,
            "generation": reloader.generation}


def _fleet_status(reload_id: str, published: Published | None) -> dict:
    """One reload across the fleet: every worker's report (from the broadcast backend, with this
    worker's own status when the backend cannot be read) and one state for all: failed when
    any failed, building while any builds, done when every worker that reported is done.
    ``published``: the latest publication, shown when it is this reload."""
    reloader = services().reloader
    try:
        workers = reloader.broadcast.reports(reload_id)
    except Exception as exc:  # noqa: BLE001  (the backend is down: say what this worker knows)
        log.warning("could not read the fleet's reload reports: %s", exc)
        workers = {}
    mine = reloader.status(reload_id)
    if mine is not None:
        workers[mine.worker] = mine.to_dict()
    states = {report.get("state") for report in workers.values()}
    state = "failed" if "failed" in states else "building" if "building" in states or not states else "done"
    return {"id": reload_id, "state": state, "status_url": f"/admin/reload/{reload_id}",
            "workers": dict(sorted(workers.items())), "serving": _serving(reloader),
            "published": published.to_dict() if published is not None and published.reload_id == reload_id else None}
