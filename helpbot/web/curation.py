"""``/admin/curation``: the curator loop in the admin (behind the sign-in). The page lists the
proposals (helpbot.curate.gather); accepting runs in the background - write the YAML, lint, build
and gate (helpbot.curate.accept), then publish a reload to every worker - and rejecting is
remembered in the store. Forms post with their CSRF token and come back to the page (303).

A job's progress shows on the worker that runs it; what it decided (accepted, in the store) and
the reload it published reach every worker.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request

from helpbot import curate, evaluation
from helpbot.bot import Bot
from helpbot.lint import lint
from helpbot.paths import REPO_ROOT, data_dir
from helpbot.web.adminauth import require_admin
from helpbot.web.errors import ApiError, wants_html
from helpbot.web.parsing import json_object
from helpbot.web.services import current_bot, services

log = logging.getLogger(__name__)

curation = Blueprint("curation", __name__, url_prefix="/admin/curation")
JOBS_KEPT = 20


@curation.before_request
def admins_only():
    require_admin(page=True)


def _jobs() -> dict[str, dict[str, Any]]:
    return current_app.extensions.setdefault("helpbot.curation_jobs", {})


def _keys() -> list[str]:
    # A form on the page posts key=...; a script posts {"keys": [...]} (checked like every JSON body).
    keys = request.form.getlist("key") if request.form else json_object().get("keys", [])
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ApiError(400, "invalid_parameter", "Choose at least one proposal.", field="key")
    return keys


def _done(payload: dict[str, Any], status: int):
    if request.form:  # a form on the page: back to it
        return redirect("/admin/curation", code=303)
    return jsonify(payload), status


@curation.get("")
def page():
    proposals = curate.gather(current_bot(), services().store)
    jobs = sorted(_jobs().values(), key=lambda j: -j["started"])
    data = {"phrasings": [_plain(p) for p in proposals.phrasings], "gaps": [_plain(g) for g in proposals.gaps],
            "overlaps": [_plain(o) for o in proposals.overlaps], "jobs": jobs}
    if wants_html():
        return render_template("curation.html", **data, titles={e.id: e.title for e in current_bot().entries.values()})
    return jsonify(data)


def _plain(item: Any) -> dict[str, Any]:
    return asdict(item)


@curation.post("/reject")
def reject():
    keys = set(_keys())
    proposals = {p.key: p for p in curate.gather(current_bot(), services().store).phrasings}
    unknown = keys - set(proposals)
    if unknown:
        raise ApiError(404, "not_found", "That proposal is no longer open (accepted, rejected or gone).")
    for key in keys:
        curate.reject(services().store, proposals[key], by="admin")
    return _done({"rejected": sorted(keys)}, 200)


@curation.post("/accept")
def accept():
    keys = set(_keys())
    proposals = {p.key: p for p in curate.gather(current_bot(), services().store).phrasings}
    if keys - set(proposals):
        raise ApiError(404, "not_found", "That proposal is no longer open (accepted, rejected or gone).")
    job = {"id": uuid.uuid4().hex[:12], "state": "running", "started": time.time(), "keys": sorted(keys),
           "questions": [proposals[k].question for k in sorted(keys)], "problems": [], "diff": "",
           "reload": None}
    jobs = _jobs()
    jobs[job["id"]] = job
    for old in sorted(jobs.values(), key=lambda j: j["started"])[:-JOBS_KEPT]:
        jobs.pop(old["id"], None)
    app = current_app._get_current_object()
    chosen = [proposals[k] for k in sorted(keys)]
    threading.Thread(target=_run, args=(app, job, chosen), daemon=True, name="helpbot-curation").start()
    return _done({"job": job["id"], "status_url": "/admin/curation"}, 202)


def _run(app: Any, job: dict[str, Any], chosen: list) -> None:
    """Write, lint, build, gate; keep and reload, or revert (helpbot.curate.accept)."""
    with app.app_context():
        try:
            config = app.config
            knowledge = Path(config["KNOWLEDGE_DIR"]) if config["KNOWLEDGE_DIR"] else data_dir("knowledge")
            files = [] if config["KNOWLEDGE_DIR"] else sorted((REPO_ROOT / "eval" / "cases").glob("test*.jsonl"))
            cases = [c for f in files for c in evaluation.load_cases(f)]
            outcome = curate.accept(
                current_bot(), chosen, knowledge_dir=knowledge,
                load=lambda: Bot.load(config["KNOWLEDGE_DIR"], config["INTENTS_DIR"], embeddings=config["EMBEDDINGS"]),
                lint=lambda: [str(p) for p in lint(knowledge, min_questions=1).problems],
                cases=cases, evaluate=evaluation.evaluate)
            job.update(diff=outcome.diff, problems=list(outcome.problems), figures=outcome.figures)
            if not outcome.kept:
                job["state"] = "reverted"
                return
            curate.remember_accepted(services().store, chosen, by="admin")
            status, _ = services().reloader.publish(f"curation: {len(chosen)} phrasing(s) accepted")
            job.update(state="accepted", reload=status.id)
        except Exception as exc:  # reported on the page; the files are restored by accept() where it got
            log.exception("curation job %s failed", job["id"])
            job.update(state="failed", problems=[f"{type(exc).__name__}: {exc}"])
