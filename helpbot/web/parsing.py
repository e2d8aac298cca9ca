"""Reading a request: the JSON body, typed fields, the session id and query numbers, each
failure an :class:`~helpbot.web.errors.ApiError` that says what to send instead."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, request

from helpbot.web.errors import ApiError

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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
        raise ApiError(400, "invalid_json", f"The body must be a JSON object ({{...}}), not {json_type(data)}.")
    return data


def json_type(value: Any) -> str:
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
        raise ApiError(400, "invalid_field", f"The field '{name}' must be {expected}, not {json_type(value)}.")
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
