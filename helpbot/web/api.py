"""The JSON API (/api/*), /healthz, /admin/report and /admin/reload, and the JSON error handlers.

Every error is ``{"error": {"code", "message"}}`` with a 4xx that says what to fix; a 500
only comes from a real bug (logged with its traceback, never shown). The shapes are
documented in helpbot/web/openapi.py, which the tests check every response against.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from rapidfuzz import fuzz, process, utils
from werkzeug.exceptions import HTTPException

from helpbot.errors import HelpbotError, ToolInputError
from helpbot.paths import data_dir
from helpbot.store import StoreError, clean_text, is_gap
from helpbot.tools import TOOLS
from helpbot.web import current_bot, services
from helpbot.web.openapi import MAX_COMMENT_CHARS, openapi_document
from helpbot.web.security import rate_limited, token_ok

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix="/api")
ops = Blueprint("ops", __name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SEARCH_K = 50
HANDOFF_MESSAGE = ("A LiveChat agent will join this chat shortly. You can keep typing your question "
                   "meanwhile; the agent will see it.")
_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
    503: "unavailable",
}
STORAGE_RETRY_AFTER = "30"


class ApiError(Exception):
    """An error answer: HTTP status, a stable machine code and a message for people."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


# -- request parsing -----------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e400: as bad as Infinity
        raise ValueError("number out of range")
    return value


def _has_lone_surrogate(data: Any) -> bool:
    """Whether a parsed JSON value holds a string with an unpaired surrogate ("\\ud800"):
    valid JSON, but not Unicode text; no store, log or tool should have to cope with it."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or an ApiError saying what is wrong with it."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with the header Content-Type: application/json.")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 from Werkzeug
    limit = current_app.config["MAX_BODY_BYTES"]
    if request.content_length is None and len(raw) >= limit and request.input_stream.read(1):
        # A chunked body is cut at the limit rather than refused: refuse it here.
        raise ApiError(413, "payload_too_large", f"The request body is too large; the limit is {limit} bytes.")
    if not raw.strip():
        raise ApiError(400, "invalid_json", "The request body is empty; send a JSON object such as {\"question\": \"...\"}.")
    try:
        data = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        # exc.msg and the position only: the body itself may hold a password.
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {exc.msg} at line {exc.lineno} "
                                            f"column {exc.colno}.") from None
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The body is not valid JSON (UTF-8 text, no NaN or Infinity, "
                                            "numbers in range, not nested too deeply).") from None
    if _has_lone_surrogate(data):
        raise ApiError(400, "invalid_json", "The body holds a \\u escape of an unpaired surrogate "
                                            "(such as \\ud800), which is not text; send UTF-8 text.")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", f"The body must be a JSON object ({{...}}), not {_json_type(data)}.")
    return data


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def field(data: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    """``data[name]`` checked to be of JSON type ``kind`` (str or bool); None when optional and absent."""
    value = data.get(name)
    if value is None:
        if required:
            raise ApiError(400, "missing_field", f"The field '{name}' is required.")
        return None
    if kind is str and not isinstance(value, str) or kind is bool and not isinstance(value, bool):
        expected = "a string" if kind is str else "true or false"
        raise ApiError(400, "invalid_field", f"The field '{name}' must be {expected}, not {_json_type(value)}.")
    return value


def session_field(data: dict[str, Any], *, required: bool) -> str | None:
    session_id = field(data, "session_id", str, required=required)
    if session_id is not None and not SESSION_ID.match(session_id):
        raise ApiError(400, "invalid_field", "The field 'session_id' must be 1-64 letters, digits, '-' or '_' "
                                             "(use the session_id an earlier /api/ask reply gave).")
    return session_id


def query_int(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(400, "invalid_parameter", f"The parameter '{name}' must be a whole number from {low} to {high}.")
    return int(text)


# -- chat -----------------------------------------------------------------------------------------

@api.post("/ask")
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
    # A message typed after "type the password you'd like to check" is a password even when
    # the bot does not run the checker on it (several words): never store it.
    awaiting_password = _pending_tool(bot, session_id) == "password_check"
    reply = bot.ask(question, session_id=session_id)
    _record(reply, question, session_id, awaiting_password)
    if _pending_tool(bot, session_id) == "password_check":
        _note_password_prompt(session_id)
    return jsonify({**reply.to_dict(), "session_id": session_id})


def _note_password_prompt(session_id: str) -> None:
    """Tell the other workers (through the store) that this session's next message is a
    password: under gunicorn it may reach a worker that has not seen this conversation."""
    try:
        services(current_app).store.expect_secret(session_id)
    except Exception as exc:
        _log_store_failure("could not note the password prompt", exc)


def _pending_tool(bot: Any, session_id: str) -> str | None:
    sessions = getattr(bot, "sessions", None)
    if sessions is None:
        return None
    return getattr(sessions.get(session_id), "pending_tool", None)


def _record(reply: Any, question: str, session_id: str, awaiting_password: bool) -> None:
    """Log content gaps and chat hand-offs; a failing store never stops the reply."""
    store = services(current_app).store
    gap = is_gap(reply.kind, reply.confidence)
    if not awaiting_password:
        # Another worker may have asked this session for a password (its conversation
        # lives there). When the store cannot say, assume it did: store nothing of it. Asked
        # on every message, so the note is used up by the message it was meant for.
        try:
            awaiting_password = store.secret_expected(session_id)
        except Exception as exc:
            _log_store_failure("could not check for a password prompt", exc)
            awaiting_password = True
    tool = "password_check" if awaiting_password else reply.tool
    try:
        if gap:
            store.record_gap(question, reply.kind, reply.confidence, entry_id=reply.entry_id,
                             session_id=session_id, tool=tool)
        if reply.kind == "handoff":
            store.record_handoff(session_id, clean_text(question, tool=tool))
    except StoreError as exc:
        log.warning("could not log the question (%s): %s", reply.kind, exc)
    except Exception:  # a store bug must not cost the visitor the answer either
        log.exception("could not log the question (%s): unexpected store error", reply.kind)


@api.post("/feedback")
def feedback():
    data = json_object()
    session_id = session_field(data, required=True)
    entry_id = field(data, "entry_id", str)
    helpful = field(data, "helpful", bool)
    comment = field(data, "comment", str, required=False)
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(400, "comment_too_long", f"The comment is {len(comment)} characters long; "
                                                f"the limit is {MAX_COMMENT_CHARS} characters.")
    _entry_or_404(entry_id)
    # Write first, acknowledge after: the store returns only once the row is committed, so
    # a 2xx always means the vote is in the database. Never a 2xx for feedback not saved.
    try:
        services(current_app).store.record_feedback(session_id, entry_id, helpful, comment)
    except Exception as exc:
        _log_store_failure("feedback not saved", exc)
        raise ApiError(503, "storage_unavailable", "Your feedback could not be saved right now; "
                                                   "please try again later.",
                       headers={"Retry-After": STORAGE_RETRY_AFTER}) from None
    return jsonify({"saved": True}), 201


def _log_store_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, StoreError):
        log.error("%s: %s", what, exc)
    else:  # not a failure the store foresaw: keep the traceback
        log.exception("%s: unexpected store error", what)


@api.post("/handoff")
def handoff():
    data = json_object()
    session_id = session_field(data, required=True)
    question = field(data, "question", str, required=False)
    if question is not None and len(question) > current_app.config["MAX_QUESTION_CHARS"]:
        question = question[: current_app.config["MAX_QUESTION_CHARS"]]  # context only; keep what fits
    logged = True
    try:
        services(current_app).store.record_handoff(session_id, question)
    except Exception as exc:
        # The visitor still gets the agent (LiveChat joins on the client side); only our log is lost.
        logged = False
        _log_store_failure("hand-off not logged", exc)
    return jsonify({"ok": True, "logged": logged, "message": HANDOFF_MESSAGE})


# -- knowledge ------------------------------------------------------------------------------------

def _entry_or_404(entry_id: str):
    entry = current_bot().entries.get(entry_id)
    if entry is None:
        raise ApiError(404, "unknown_entry", f"No entry with id {entry_id[:80]!r}; "
                                             "GET /api/entries lists the ids.")
    return entry


@api.get("/search")
def search():
    query = request.args.get("q")
    if query is None:
        raise ApiError(400, "missing_parameter", "The parameter 'q' (the search text) is required.")
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if len(query) > limit:
        raise ApiError(400, "query_too_long", f"The query is {len(query)} characters long; the limit is {limit}.")
    k = query_int("k", 5, 1, MAX_SEARCH_K)
    category = request.args.get("category") or None
    bot = current_bot()
    if category is None:
        hits = [{**h.to_dict(), "category": bot.entries[h.entry_id].category} for h in bot.search(query, k=k)]
    else:
        hits = _search_in_category(bot, query, category, k)
    return jsonify({"hits": hits})


def _search_in_category(bot: Any, query: str, category: str, k: int) -> list[dict[str, Any]]:
    """The bot's hits of that category, then (the bot only ranks a pool of likely entries)
    the category's other entries by fuzzy similarity, scored no higher than the hits above."""
    results = [{**h.to_dict(), "category": category} for h in bot.search(query, k=len(bot.entries))
               if bot.entries[h.entry_id].category == category][:k]
    if len(results) < k and query.strip():
        seen = {r["entry_id"] for r in results}
        choices = {e.id: " ".join((e.title, *e.questions)) for e in bot.entries.values()
                   if e.category == category and e.id not in seen}
        ceiling = results[-1]["score"] if results else 1.0
        for _, similarity, entry_id in process.extract(query, choices, scorer=fuzz.token_set_ratio,
                                                       processor=utils.default_process, limit=k - len(results)):
            entry = bot.entries[entry_id]
            results.append({"entry_id": entry.id, "title": entry.title, "answer": entry.answer,
                            "score": round(min(ceiling, similarity / 100), 4), "category": category})
    return results


@api.get("/entries")
def entries():
    category = request.args.get("category") or None
    all_entries = current_bot().entries.values()
    categories: dict[str, int] = {}
    for entry in all_entries:
        categories[entry.category] = categories.get(entry.category, 0) + 1
    chosen = [e for e in all_entries if category is None or e.category == category]
    return jsonify({
        "entries": [{"id": e.id, "title": e.title, "category": e.category, "audience": e.audience,
                     "tool": e.tool} for e in chosen],
        "categories": [{"name": name, "count": n} for name, n in sorted(categories.items())],
    })


@api.get("/entries/<entry_id>")
def entry(entry_id: str):
    found = _entry_or_404(entry_id)
    known = current_bot().entries
    return jsonify({
        **found.to_dict(),
        "related_entries": [{"entry_id": r, "title": known[r].title} for r in found.related if r in known],
        "source_text": _source_text(found.source_lines),
    })


def _source_text(ranges) -> list[dict[str, Any]]:
    """The help-center lines an entry was written from, so agents can check the wording."""
    lines = _source_lines()
    return [{"start": start, "end": end, "text": "\n".join(lines[start - 1:end])} for start, end in ranges]


def _source_lines() -> list[str]:
    cache = current_app.extensions.setdefault("helpbot.source", {})
    if "lines" not in cache:
        folder = current_app.config["KNOWLEDGE_DIR"]
        path = (Path(folder) if folder else data_dir("knowledge")) / "source" / "help-center.txt"
        try:
            cache["lines"] = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            log.warning("no help-center source text at %s", path)
            cache["lines"] = []
    return cache["lines"]


# -- tools ----------------------------------------------------------------------------------------

@api.post("/tools/<name>")
@rate_limited
def run_tool(name: str):
    function = TOOLS.get(name)
    if function is None:
        raise ApiError(404, "unknown_tool", f"No tool named {name[:40]!r}; the tools are {', '.join(TOOLS)}.")
    params = json_object()
    _check_parameters(name, function, params)
    try:
        result = function(**params)
    except ToolInputError as exc:
        # The tools' messages are written for users and never contain a password.
        raise ApiError(400, "invalid_tool_input", str(exc)) from None
    return jsonify(result)


def _check_parameters(name: str, function, params: dict[str, Any]) -> None:
    """Unknown or missing parameter names -> 400 (fee_estimate checks its own: **params)."""
    signature = inspect.signature(function)
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return
    known = [p for p in signature.parameters]
    unknown = sorted(set(params) - set(known))
    if unknown:
        # Keys are echoed except for the password checker, where a key could be the secret.
        names = "a parameter" if name == "password_check" else ", ".join(repr(u[:40]) for u in unknown)
        raise ApiError(400, "unknown_parameter", f"Unknown {names} for {name}; it takes {', '.join(known)}.")
    missing = [p.name for p in signature.parameters.values()
               if p.default is p.empty and p.kind is not p.VAR_POSITIONAL and params.get(p.name) is None]
    if missing:
        raise ApiError(400, "missing_field", f"{name} needs {' and '.join(repr(m) for m in missing)}.")


# -- meta -----------------------------------------------------------------------------------------

@api.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(max_question_chars=current_app.config["MAX_QUESTION_CHARS"]))


@ops.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "entries": len(current_bot().entries)})


def _require_admin() -> None:
    """404 when the admin endpoints are off, 401 without a token, 403 with a wrong one."""
    token = current_app.config["ADMIN_TOKEN"]
    if not token:
        raise ApiError(404, "not_found", "The admin endpoints are off (HELPBOT_ADMIN_TOKEN is not set).")
    header = request.headers.get("Authorization")
    if not header:
        raise ApiError(401, "unauthorized", "Send the admin token as Authorization: Bearer <token>.",
                       headers={"WWW-Authenticate": 'Bearer realm="helpbot admin"'})
    if not token_ok(token, header):
        log.warning("admin request with a wrong token from %s", request.remote_addr)
        raise ApiError(403, "forbidden", "The admin token is wrong.")


@admin.get("/report")
@rate_limited
def report():
    _require_admin()
    limit = query_int("limit", 10, 1, 100)
    try:
        data = services(current_app).store.report(limit=limit)
    except Exception as exc:
        _log_store_failure("report failed", exc)
        raise ApiError(503, "storage_unavailable", "The report store cannot be read right now.",
                       headers={"Retry-After": STORAGE_RETRY_AFTER}) from None
    if _wants_html():
        return render_template("report.html", report=data)
    return jsonify(data)


@admin.post("/reload")
@rate_limited
def reload_knowledge():
    """Rebuild the Bot from the knowledge folders and swap it in (see helpbot.web.reload)."""
    _require_admin()
    reloader = services(current_app).reloader
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


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


# -- errors ---------------------------------------------------------------------------------------

def handle_api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.headers)


def handle_http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 413:
        limit = current_app.config["MAX_BODY_BYTES"]
        message = f"The request body is too large; the limit is {limit} bytes."
    elif status == 405:
        allowed = ", ".join(sorted(m for m in (exc.valid_methods or []) if m not in ("HEAD", "OPTIONS")))
        message = f"Method {request.method} is not allowed here" + (f"; use {allowed}." if allowed else ".")
    elif status == 404 and request.path.startswith("/api/"):
        message = f"No API endpoint {request.method} {request.path[:100]}; see /api/openapi.json."
    elif status == 404:
        message = f"Nothing at {request.path[:100]}."
    else:
        message = exc.description or exc.name
    headers = {}
    if status == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    if not request.path.startswith(("/api/", "/admin/", "/healthz")) and _wants_html():
        return render_template("error.html", status=status, title=exc.name, message=message), status, headers
    return error_response(status, _STATUS_CODES.get(status, "http_error"), message, headers)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    # A real bug: the traceback goes to the log (no request body in it), the client gets no details.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side; please try again.")


def init_app(app: Flask) -> None:
    app.register_blueprint(api)
    app.register_blueprint(ops)
    app.register_blueprint(admin)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
