"""The calculators: ``GET /api/tools`` (what each needs) and ``POST /api/tools/<name>``.

A result comes back as the tool's structured dict plus ``text``: the same words the chat says
(helpbot.tools.spec), which the widget shows as they are.
"""

from __future__ import annotations

import inspect
from typing import Any

from flask import Blueprint, jsonify

from helpbot.errors import ToolInputError
from helpbot.tools.spec import TOOLS
from helpbot.web.errors import ApiError
from helpbot.web.parsing import json_object
from helpbot.web.security import rate_limited

tools = Blueprint("tools", __name__, url_prefix="/api")


@tools.get("/tools")
def list_tools():
    return jsonify({"tools": [{"name": spec.name, "label": spec.label, "offer": spec.offer,
                               "asks": dict(spec.asks)} for spec in TOOLS.values()]})


@tools.post("/tools/<name>")
@rate_limited
def run_tool(name: str):
    spec = TOOLS.get(name)
    if spec is None:
        raise ApiError(404, "unknown_tool", f"No tool named {name[:40]!r}; the tools are {', '.join(TOOLS)}.")
    params = json_object()
    _check_parameters(name, spec.function, params)
    try:
        result = spec.function(**params)
    except ToolInputError as exc:
        # The tools' messages are written for buyers and never contain a password.
        raise ApiError(400, "invalid_tool_input", str(exc), field=exc.field) from None
    return jsonify({**result, "text": spec.describe(result)})


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
        raise ApiError(400, "missing_field", f"{name} needs {' and '.join(repr(m) for m in missing)}.",
                       field=missing[0])
