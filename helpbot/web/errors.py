"""The one error shape of the web layer and the handlers that produce it.

Every API error is ``{"error": {"code", "message"}}`` (plus ``field`` for a tool's bad input)
with a 4xx that says what to fix; a 500 only comes from a real bug (logged with its traceback,
never shown). HTML pages get an HTML error page instead.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
    503: "unavailable",
}
STORAGE_RETRY_AFTER = "30"


class ApiError(Exception):
    """An error answer: HTTP status, a stable machine code and a message for people."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.field = field


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   field: str | None = None):
    body = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    response = jsonify({"error": body})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def handle_api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.headers, exc.field)


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
    if not request.path.startswith(("/api/", "/admin/", "/healthz")) and wants_html():
        return render_template("error.html", status=status, title=exc.name, message=message), status, headers
    return error_response(status, _STATUS_CODES.get(status, "http_error"), message, headers)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    # A real bug: the traceback goes to the log (no request body in it), the client gets no details.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side; please try again.")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
