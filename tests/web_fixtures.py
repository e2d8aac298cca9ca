"""Fixtures and helpers shared by the web tests (import the fixtures by name).

The Bot comes from conftest.py's session-scoped ``bot`` (built once per run); each test
gets a fresh app (cheap: no bot loading) with its own SQLite file and no rate limit, so
tests cannot see each other's rows or use up each other's requests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from helpbot.sessions import note_shown
from helpbot.store import SqliteStore, Store, StoreError
from helpbot.web import create_app
from helpbot.web.openapi import openapi_document

SECRET = "Zq7!vortexPlume"  # a password that must never leave the password checker


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HELPBOT_* variable from the developer's shell may change what a test sees."""
    import os

    for name in list(os.environ):
        if name.startswith("HELPBOT_"):
            monkeypatch.delenv(name)


def make_app(tmp_path: Path, bot: Any, store: Store | None = None, **config: Any):
    settings = {"DB_PATH": str(tmp_path / "helpbot.sqlite3"), "RATE_LIMIT": "off", "WRITE_RATE_LIMIT": "off",
                "TESTING": True}
    settings.update(config)
    return create_app(settings, bot=bot, store=store)


@pytest.fixture
def app(tmp_path: Path, bot: Any, clean_env: None):
    return make_app(tmp_path, bot)


@pytest.fixture
def client(app):
    return app.test_client()


def show(app, session_id: str, *entry_ids: str) -> None:
    """Mark entries as shown to a session, as the bot does when it answers them (a vote counts
    only for those): for tests whose subject is storing the vote, with fake or unsure bots."""
    sessions = app.extensions["helpbot"].bot.sessions
    session = sessions.load(session_id)
    note_shown(session, entry_ids)
    sessions.save(session_id, session)


class BrokenStore(Store):
    """A store whose every call fails, as a locked or read-only database does."""

    def __init__(self) -> None:
        self.calls = 0

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise StoreError("database is locked")

    record_feedback = record_handoff = record_gap = report = _fail
    open_handoff = list_handoffs = get_handoff = handoff_for_session = _fail
    claim_handoff = close_handoff = add_handoff_message = messages_after = _fail
    record_outcomes = outcomes_since = record_signal = signals = record_decision = decisions = _fail

    # Password-prompt notes keep working: what these tests break is the saving, not the guard.
    def expect_secret(self, session_id: str) -> None:
        pass

    def secret_expected(self, session_id: str) -> bool:
        return False


# -- OpenAPI checking -------------------------------------------------------------------------------

def node_ref(ref: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")]


def lookup(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in node_ref(ref):
        node = node[part]
    return node


def check_openapi(response, path: str, method: str = "get") -> Any:
    """Assert the response's status is documented for ``method path`` and its body matches
    the documented schema ($refs resolved against the whole document); return the JSON."""
    doc = openapi_document()
    operation = doc["paths"][path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method.upper()} {path} answered {status}, not documented: {response.get_data(as_text=True)[:300]}")
    spec = operation["responses"][status]
    if "$ref" in spec:
        spec = lookup(doc, spec["$ref"])
    content = spec["content"]
    assert response.mimetype in content, f"{response.mimetype} not documented for {status}"
    schema = {**content[response.mimetype]["schema"], "components": doc["components"]}
    data = response.get_json()
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return data


def check_error(response, status: int, code: str, path: str, method: str = "get") -> str:
    """An error answer: the status, the code, the documented shape; returns the message."""
    assert response.status_code == status, response.get_data(as_text=True)
    data = check_openapi(response, path, method)
    assert data["error"]["code"] == code, data
    assert data["error"]["message"]
    return data["error"]["message"]


# -- a live server for the browser tests ----------------------------------------------------------

class LiveServer:
    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_server(bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("live") / "helpbot.sqlite3"
    app = create_app({"DB_PATH": str(path), "RATE_LIMIT": "off", "WRITE_RATE_LIMIT": "off", "ADMIN_TOKEN": "browser-admin",
                      "MAX_QUESTION_CHARS": 500, "CORS_ORIGINS": "", "FRAME_ANCESTORS": "'self'"}, bot=bot)
    with LiveServer(app) as server:
        server.store = app.extensions["helpbot"].store
        yield server


__all__ = ["SECRET", "BrokenStore", "LiveServer", "app", "check_error", "check_openapi", "clean_env",
           "client", "live_server", "lookup", "make_app", "show", "SqliteStore"]


# A knowledge entry to add, and a file that does not parse: for the reload tests.
NEW_ENTRY = """
  - id: reload-new-entry
    title: How do I download my invoice?
    category: account
    audience: buyer
    questions:
      - download invoice
      - where can I get the invoice for my order
      - invoice pdf download
      - dowload invoce
    answer: Open the order in My Orders and click Download Invoice.
    source_lines: [[1, 1]]
"""
BROKEN_YAML = "entries:\n  - id: broken\n    title: [unclosed\n    answer: x\n"
