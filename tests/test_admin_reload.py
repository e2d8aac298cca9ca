"""The reload endpoints in one process: the status before any reload, a published reload's
jitter, and the one error shape on /admin/* (JSON for every status, a bug's 500 included).
The real servers (gunicorn, Redis, PostgreSQL) are in test_servers.py and test_broadcast.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import check_error, check_openapi, clean_env, make_app  # noqa: F401

from helpbot.broadcast import Published

TOKEN = "admin-reload-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin_app(tmp_path: Path, small_bot, kb_copy, fixture_intents, clean_env):
    return make_app(tmp_path, small_bot, ADMIN_TOKEN=TOKEN, KNOWLEDGE_DIR=str(kb_copy),
                    INTENTS_DIR=str(fixture_intents))


def test_before_any_reload_the_status_is_idle(admin_app):
    data = check_openapi(admin_app.test_client().get("/admin/reload", headers=AUTH), "/admin/reload")
    assert data["state"] == "idle" and data["id"] is None and data["workers"] == {}
    assert data["serving"]["entries"] == len(admin_app.extensions["helpbot"].bot.entries)
    assert data["serving"]["fingerprint"]  # the key of the files it serves


@pytest.mark.parametrize("method, path, headers, status, code", [
    ("get", "/admin/reload", {}, 401, "unauthorized"),
    ("get", "/admin/reload/abc", {"Authorization": "Bearer wrong"}, 403, "forbidden"),
    ("get", "/admin/reload/no-such-reload", AUTH, 404, "not_found"),
    ("get", "/admin/nothing-here", AUTH, 404, "not_found"),
    ("delete", "/admin/reload", AUTH, 405, "method_not_allowed"),
    ("post", "/admin/reload/abc", AUTH, 405, "method_not_allowed"),
])
def test_admin_errors_are_json_even_when_the_client_asks_for_html(admin_app, method, path, headers, status, code):
    response = getattr(admin_app.test_client(), method)(path, headers={**headers, "Accept": "text/html"})
    assert response.status_code == status and response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == code


def test_a_bug_in_an_admin_view_is_a_json_500(admin_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(admin_app.extensions["helpbot"].reloader, "status", broken)
    response = admin_app.test_client().get("/admin/reload", headers={**AUTH, "Accept": "text/html"})
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.get_json()["error"] == {"code": "internal_error",
                                            "message": "Something went wrong on our side; please try again."}


def test_a_published_reload_waits_its_jitter_before_building(admin_app, monkeypatch):
    reloader = admin_app.extensions["helpbot"].reloader
    reloader.jitter = 30.0
    delays: list[float] = []
    timers: list[tuple[float, tuple]] = []

    class FakeTimer:  # records the delay instead of waiting for it
        def __init__(self, delay, function, args=()):
            timers.append((delay, args))
            self.daemon = False

        def start(self):
            pass

    monkeypatch.setattr("helpbot.web.reload.random.uniform", lambda low, high: delays.append(high) or high)
    monkeypatch.setattr("helpbot.web.reload.threading.Timer", FakeTimer)
    reloader.on_published(Published(1, "from-elsewhere", 0.0))
    status = reloader.status("from-elsewhere")
    assert delays == [30.0] and timers == [(30.0, ("from-elsewhere",))]  # drawn from [0, jitter]
    assert status.state == "building" and status.started_at is None  # known at once, built later
    assert reloader.generation == 0
    reloader.on_published(Published(1, "from-elsewhere", 0.0))  # heard again: not queued twice
    assert delays == [30.0]


def test_a_published_reload_that_this_worker_started_is_not_built_twice(admin_app):
    reloader = admin_app.extensions["helpbot"].reloader
    status, published = reloader.publish("test")
    assert published is not None and published.reload_id == status.id
    reloader.on_published(published)
    assert list(reloader._statuses) == [status.id]
