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
a fixed number of examples per operation (HELPBOT_FUZZ_EXAMPLES, default 60; the whole
file takes about 15 s). Explore more locally with e.g. HELPBOT_FUZZ_EXAMPLES=1000
HELPBOT_FUZZ_SEED=7 (a new seed also turns derandomizing off).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from web_fixtures import make_app

if os.environ.get("CI"):
    import schemathesis  # CI installs it (.ci/run): a missing one must fail, not skip
else:
    schemathesis = pytest.importorskip("schemathesis", reason="pip install 'schemathesis>=4,<5' to fuzz the API")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.parameters import ParameterLocation  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

ADMIN_TOKEN = "fuzz-admin-token"
# Explore with another seed: HELPBOT_FUZZ_SEED=123 HELPBOT_FUZZ_EXAMPLES=500 (then random too).
SEED = int(os.environ.get("HELPBOT_FUZZ_SEED", "20260301"))
DERANDOMIZE = "HELPBOT_FUZZ_SEED" not in os.environ
EXAMPLES = int(os.environ.get("HELPBOT_FUZZ_EXAMPLES", "60"))


@pytest.fixture(scope="module")
def fuzz_app(bot: Any, tmp_path_factory: pytest.TempPathFactory):
    app = make_app(tmp_path_factory.mktemp("fuzz"), bot, ADMIN_TOKEN=ADMIN_TOKEN, TESTING=False,
                   RELOAD_ON_SIGHUP=False)
    # /admin/reload is fuzzed for its contract, not for how fast the index builds: "rebuild"
    # the bot already loaded (the real rebuild is tested in test_reliability.py).
    app.extensions["helpbot"].reloader.load = lambda **options: bot
    return app


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    config = schemathesis.Config(seed=SEED)
    # Unknown query parameters are ignored on purpose (cache-busters and the like), so the
    # fuzzer does not send them as "invalid" requests; unknown body fields are documented.
    config.projects.default.generation.update(database="none", allow_extra_parameters=False)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


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
    assert response.status_code < 500, response.text[:300]
    if _is_tool(case) and response.status_code == 400 and case.meta is not None \
            and case.meta.generation.mode.name == "POSITIVE":
        assert response.json()["error"]["code"] == "invalid_tool_input", response.text[:300]


def test_the_fuzzer_sees_every_operation(api_schema, fuzz_app):
    """A route missing from the document would never be fuzzed: compare with the URL map."""
    documented = {(op.method.upper(), op.path) for op in
                  (result.ok() for result in api_schema.get_all_operations())}
    for rule in fuzz_app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.rule.startswith(("/api", "/admin", "/healthz")):
            continue
        if rule.rule == "/api/openapi.json":
            continue  # the document itself: schemathesis reads it rather than fuzzing it
        path = rule.rule.replace("<entry_id>", "{entry_id}").replace("<name>", "{name}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, f"{method} {path} is not fuzzed"
    assert not_a_server_error  # imported above: the check every case runs
