"""Fuzzing the JSON API with schemathesis, from the OpenAPI document the app serves.

Every operation of /api/openapi.json gets generated requests, valid ones and invalid ones
(wrong types, missing fields, out-of-range values, odd Unicode, wrong methods and media
types), sent through the WSGI app. Every response must be documented for its operation
and match the documented schema (status, content type, body, headers), no response may be
a 5xx, schema-valid requests must be accepted and schema-violating ones refused.

One exception, on purpose: the tools check values the schema cannot express (dates in
order, a method name among the aliases people type, a country code), so a schema-valid
request to /api/tools/* may get 400, but only ``invalid_tool_input`` (the tool's own
message), never a missing or unknown parameter: that would mean the document drifted.

Bounded and repeatable: a fixed seed, derandomized Hypothesis, no example database, and
a fixed number of examples per operation (HELPBOT_FUZZ_EXAMPLES, default 200: about 4,000
requests in all, 20 s). Explore more locally with e.g. HELPBOT_FUZZ_EXAMPLES=1000
HELPBOT_FUZZ_SEED=7 (a new seed also turns derandomizing off).
"""

from __future__ import annotations

import re

import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from helpbot.web.openapi import openapi_document
from web_fixtures import make_app

if os.environ.get("CI"):
    import schemathesis  # CI installs it (.ci/run): a missing one must fail, not skip
else:
    schemathesis = pytest.importorskip("schemathesis", reason="pip install 'schemathesis>=4,<5' to fuzz the API")

from schemathesis.core.parameters import ParameterLocation  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

ADMIN_TOKEN = "fuzz-admin-token"
SENT: Counter = Counter()  # (operation, status class) -> requests, for the closing check
# Explore with another seed: HELPBOT_FUZZ_SEED=123 HELPBOT_FUZZ_EXAMPLES=500 (then random too).
SEED = int(os.environ.get("HELPBOT_FUZZ_SEED", "20260301"))
DERANDOMIZE = "HELPBOT_FUZZ_SEED" not in os.environ
EXAMPLES = int(os.environ.get("HELPBOT_FUZZ_EXAMPLES", "200"))


class LazyApp:
    """The app under test, built on its first request: the Bot loads (about 3 s, or from the
    index cache) only when the fuzzing runs, not when pytest collects this file."""

    def __init__(self) -> None:
        self._app = None

    @property
    def app(self):
        if self._app is None:
            from helpbot import Bot

            bot = Bot.load()
            self._app = make_app(Path(tempfile.mkdtemp(prefix="helpbot-fuzz-")), bot, ADMIN_TOKEN=ADMIN_TOKEN,
                                 TESTING=False, RELOAD_ON_SIGHUP=False)
            # /admin/reload is fuzzed for its contract, not for how fast the index builds:
            # "rebuild" the bot already loaded (real rebuilds: test_reliability.py).
            self._app.extensions["helpbot"].reloader.load = lambda **options: bot
        return self._app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def _schema():
    config = schemathesis.Config(seed=SEED)
    # Unknown query parameters are ignored on purpose (cache-busters and the like), so the
    # fuzzer does not send them as "invalid" requests; unknown body fields are documented.
    config.projects.default.generation.update(database="none", allow_extra_parameters=False,
                                              deterministic=DERANDOMIZE)
    # The document the app serves at /api/openapi.json (test_web_api.py checks they are
    # equal), loaded without building the app; requests go to the app through WSGI.
    loaded = schemathesis.openapi.from_dict(openapi_document(), config=config)
    loaded.app = APP
    loaded.location = "/api/openapi.json"
    return loaded


APP = LazyApp()
schema = _schema()


def _is_tool(case: Any) -> bool:
    return case.operation.path.startswith("/api/tools/") and case.operation.path != "/api/tools/{name}"


def _admin_headers(case: Any) -> dict[str, str] | None:
    """The real admin token, unless this case is about a missing or wrong one."""
    if not case.operation.path.startswith("/admin/"):
        return None
    header = (case.meta.components if case.meta else {}).get(ParameterLocation.HEADER)
    if header is not None and header.mode.name == "NEGATIVE":
        return None
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    excluded = [positive_data_acceptance] if _is_tool(case) else []
    response = case.call_and_validate(headers=_admin_headers(case), excluded_checks=excluded)
    SENT[(f"{case.operation.method.upper()} {case.operation.path}", f"{response.status_code // 100}xx")] += 1
    assert response.status_code < 500, response.text[:300]
    if _is_tool(case) and response.status_code == 400 and case.meta is not None \
            and case.meta.generation.mode.name == "POSITIVE":
        assert response.json()["error"]["code"] == "invalid_tool_input", response.text[:300]


def test_the_fuzzer_sees_every_operation():
    """A route missing from the document would never be fuzzed: compare with the URL map.
    And the document fuzzed is the one the app serves."""
    assert APP.app.test_client().get("/api/openapi.json").get_json() == openapi_document()
    documented = {(op.method.upper(), op.path) for op in
                  (result.ok() for result in schema.get_all_operations())}
    for rule in APP.app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.rule.startswith(("/api", "/admin", "/healthz")):
            continue
        if rule.rule == "/api/openapi.json":
            continue  # the document itself: schemathesis reads it rather than fuzzing it
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # Flask's <name> is OpenAPI's {name}
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, f"{method} {path} is not fuzzed"


def test_every_operation_was_fuzzed_without_a_5xx():
    """Runs after the fuzzing above (same file, later): how much was sent, and no 5xx."""
    if not SENT:
        pytest.skip("run together with test_api_conforms_to_its_openapi_document")
    operations = {operation for operation, _ in SENT}
    assert len(operations) >= 14
    assert not [key for key in SENT if key[1] == "5xx"]
    per_operation = Counter()
    for (operation, _), count in SENT.items():
        per_operation[operation] += count
    assert min(per_operation.values()) >= 5, per_operation  # /healthz has no inputs: few cases
    print(f"\nfuzzed {sum(SENT.values())} requests over {len(operations)} operations: "
          + ", ".join(f"{k[0]} {k[1]}={v}" for k, v in sorted(SENT.items())))
