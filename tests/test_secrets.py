"""A password typed into the checker never leaks: not into a log line (the app's and
Werkzeug's, captured at DEBUG), not into the SQLite files (the database, its -wal and -shm,
read as bytes), not into the content-gap log or the admin report, not into a reply.

Driven through a real HTTP server (Werkzeug's, so its access log is part of what is
searched) the three ways a visitor can send one: in a chat question, as the answer to
"check my password" in a two-message conversation, and to the tool endpoint.
"""

from __future__ import annotations

import http.client
import json
import logging
import sqlite3
import urllib.parse
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from helpbot.web import create_app
from web_fixtures import LiveServer, clean_env  # noqa: F401

PASSWORD = "Xy7!pass"
TOKEN = "secrets-admin-token"


def call(url: str, method: str, path: str, body: Any = None, raw: str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path: Path, bot: Any, clean_env: None):
    db = tmp_path / "secrets.sqlite3"
    app = create_app({"DB_PATH": str(db), "RATE_LIMIT": "off", "ADMIN_TOKEN": TOKEN, "TESTING": True}, bot=bot)
    app.extensions["helpbot"].store.record_handoff("warm-up")  # the file exists, in WAL mode
    # An open reader keeps the -wal file on disk (SQLite removes it when the last
    # connection closes), so the write-ahead log's bytes are searched too.
    with closing(sqlite3.connect(db)) as keeper, LiveServer(app) as live:
        keeper.execute("SELECT COUNT(*) FROM handoffs").fetchone()
        live.db = db
        live.keeper = keeper
        yield live


def test_password_never_reaches_logs_database_or_gap_log(server, caplog, capfd):
    for name in (None, "helpbot", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    url = server.url
    exchanges = [
        # 1. in a chat question
        call(url, "POST", "/api/ask", {"question": f"is {PASSWORD} a good password?", "session_id": "pw-chat"}),
        # 2. "check my password", then the password alone
        call(url, "POST", "/api/ask", {"question": "check my password", "session_id": "pw-turns"}),
        call(url, "POST", "/api/ask", {"question": PASSWORD, "session_id": "pw-turns"}),
        # 3. the tool endpoint, and its error paths (a key, a broken body)
        call(url, "POST", "/api/tools/password_check", {"password": PASSWORD}),
        call(url, "POST", "/api/tools/password_check", {"password": PASSWORD, PASSWORD: 1}),
        call(url, "POST", "/api/tools/password_check", raw='{"password": "' + PASSWORD + '"'),
        call(url, "POST", "/api/tools/password_check", raw='{"password": "' + PASSWORD + '", "x": 1e999}'),
        # and around them: a hand-off and feedback quoting it (on an answer the session was given, as
        # a vote must be), a fallback question with it
        call(url, "POST", "/api/ask", {"question": "How long does a T/T payment take to reach the supplier?",
                                       "session_id": "pw-chat"}),
        call(url, "POST", "/api/handoff", {"session_id": "pw-chat", "question": f"my password {PASSWORD} fails"}),
        call(url, "POST", "/api/feedback", {"session_id": "pw-chat", "entry_id": "tt-payment-arrival-time",
                                            "helpful": False, "comment": f"{PASSWORD} was refused"}),
        call(url, "POST", "/api/ask", {"question": f"qwzx {PASSWORD} plmkj", "session_id": "pw-gap"}),
    ]
    statuses = [status for status, _ in exchanges]
    assert statuses == [200, 200, 200, 200, 400, 400, 400, 200, 200, 201, 200], exchanges
    chat, offer, turn, tool = (json.loads(body) for _, body in exchanges[:4])
    assert offer["tool"] == "password_check" and offer["result"] is None  # waiting for the password
    assert turn["kind"] == "tool" and turn["tool"] == "password_check" and turn["result"] is not None
    assert set(tool) >= {"valid", "problems"}

    # The admin report reads the content-gap log: JSON and HTML.
    for accept in ("application/json", "text/html"):
        status, report = call(url, "GET", "/admin/report?limit=100",
                              headers={"Authorization": f"Bearer {TOKEN}", "Accept": accept})
        assert status == 200 and "[redacted]" in report
        exchanges.append((status, report))

    # -- nowhere ------------------------------------------------------------------------------------
    for status, body in exchanges:
        assert PASSWORD not in body, body[:300]
    records = caplog.records
    assert any(r.name == "werkzeug" for r in records), "the access log was not captured"
    for record in records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        assert PASSWORD not in text, f"{record.name}: {text[:300]}"
    assert PASSWORD not in caplog.text
    out, err = capfd.readouterr()
    assert PASSWORD not in out and PASSWORD not in err

    files = sorted(server.db.parent.glob(server.db.name + "*"))
    names = {f.name for f in files}
    assert {"secrets.sqlite3", "secrets.sqlite3-wal"} <= names, names
    assert (server.db.parent / "secrets.sqlite3-wal").stat().st_size > 0  # the log really holds the writes
    for path in files:
        data = path.read_bytes()
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert PASSWORD.encode(encoding) not in data, f"{path.name} holds the password ({encoding})"

    gaps = [row[0] for row in server.keeper.execute("SELECT question FROM gaps")]
    assert gaps, "the questions above should have reached the content-gap log"
    assert all(PASSWORD not in question for question in gaps)
    assert any("[redacted]" in question for question in gaps)  # the fallback question, blanked
    stored = json.dumps([server.keeper.execute(f"SELECT * FROM {table}").fetchall()
                         for table in ("feedback", "handoffs", "gaps")])
    assert PASSWORD not in stored


def test_password_turn_on_another_worker_is_not_stored(tmp_path, clean_env):
    """Under gunicorn each worker keeps its own conversations: the password typed after
    "check my password" may reach a worker that never saw the prompt. The prompt is noted
    in the shared store, so that worker stores nothing of the message either."""
    from helpbot import Bot

    db = tmp_path / "workers.sqlite3"
    workers = [create_app({"DB_PATH": str(db), "RATE_LIMIT": "off", "TESTING": True}, bot=Bot.load()).test_client()
               for _ in range(2)]
    assert workers[0].application.extensions["helpbot"].bot.sessions is not \
        workers[1].application.extensions["helpbot"].bot.sessions  # two processes' worth of state
    asked_again = 0
    for n, passphrase in enumerate(["correct horse battery staple", "hunter", "Xy7!pass"]):
        session = f"two-workers-{n}"
        offer = workers[0].post("/api/ask", json={"question": "check my password", "session_id": session}).get_json()
        assert offer["tool"] == "password_check"
        turn = workers[1].post("/api/ask", json={"question": passphrase, "session_id": session})
        assert turn.status_code == 200
        # The worker without the conversation may read a bare password as "check a password"
        # and ask for it: that prompt is noted again, for the message after it.
        reply = turn.get_json()
        asked_again += reply["tool"] == "password_check" and reply["result"] is None
    with closing(sqlite3.connect(db)) as conn:
        stored = json.dumps([conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("gaps", "handoffs")])
        prompts = conn.execute("SELECT COUNT(*) FROM secret_prompts").fetchone()[0]
    for secret in ("horse", "hunter", "Xy7!pass"):
        assert secret not in stored
    assert prompts == asked_again  # each note is used up by the next message
