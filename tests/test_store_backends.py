"""Choosing and reaching a backend: ``open_store`` URLs, the app and ``helpbot report`` on each,
and how an unreachable or misconfigured database fails (StoreError, never at start-up)."""

from __future__ import annotations

import socket
import sqlite3
from contextlib import closing

import pytest

from helpbot.cli import main
from helpbot.store import SqliteStore, StoreError, mask_url, open_store
from helpbot.store.postgres import PostgresStore
from store_fixtures import pg_url  # noqa: F401
from web_fixtures import check_error, clean_env, make_app, show  # noqa: F401

EVERY_CALL = {
    "record_feedback": lambda s: s.record_feedback("s", "e", True, "c"),
    "record_handoff": lambda s: s.record_handoff("s", "q"),
    "record_gap": lambda s: s.record_gap("q", "fallback", 0.1),
    "report": lambda s: s.report(days=7),
    "expect_secret": lambda s: s.expect_secret("s"),
    "secret_expected": lambda s: s.secret_expected("s"),
    "open_handoff": lambda s: s.open_handoff("s", "q", [("buyer", "hi")]),
    "list_handoffs": lambda s: s.list_handoffs(),
    "get_handoff": lambda s: s.get_handoff(1),
    "handoff_for_session": lambda s: s.handoff_for_session("s"),
    "claim_handoff": lambda s: s.claim_handoff(1, "ann"),
    "close_handoff": lambda s: s.close_handoff(1, "ann"),
    "add_handoff_message": lambda s: s.add_handoff_message(1, "agent", "hi"),
    "messages_after": lambda s: s.messages_after(1, 0),
    "migrate": lambda s: s.migrate(),
}


def closed_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.parametrize("url, kind, where", [
    (None, SqliteStore, "/data/helpbot.sqlite3"),
    ("sqlite:///relative/file.sqlite3", SqliteStore, "relative/file.sqlite3"),
    ("sqlite:////abs/file.sqlite3", SqliteStore, "/abs/file.sqlite3"),
    ("postgresql://u@db.example:5432/helpbot", PostgresStore, "postgresql://u@db.example:5432/helpbot"),
    ("postgres://u:pw@db.example/helpbot", PostgresStore, "postgres://u:***@db.example/helpbot"),
])
def test_open_store_picks_the_backend_from_the_url(url, kind, where):
    store = open_store(url, "/data/helpbot.sqlite3", daily_rows_per_client=7)
    assert type(store) is kind and where in store.describe() and store.daily_rows_per_client == 7


def test_open_store_refuses_other_urls():
    with pytest.raises(ValueError, match="Use sqlite:///PATH or postgresql://"):
        open_store("mysql://root:hunter2@db/x", None)
    with pytest.raises(ValueError, match="needs a database URL or an SQLite file path"):
        open_store(None, None)


@pytest.mark.parametrize("url, masked", [
    ("postgresql://helpbot:s3cret@db:5432/x", "postgresql://helpbot:***@db:5432/x"),
    ("postgresql://helpbot@db/x", "postgresql://helpbot@db/x"),
    ("postgresql://db/x?user=a&password=s3cret", "postgresql://db/x?user=a&password=***"),
    ("postgresql://:p%40ss@db/x", "postgresql://:***@db/x"),
])
def test_passwords_are_masked(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
def test_postgres_at_a_closed_port_raises_store_error(call):
    store = PostgresStore(f"postgresql://helpbot:s3cret@127.0.0.1:{closed_port()}/helpbot", timeout=0.5)
    try:
        with pytest.raises(StoreError, match="unavailable") as caught:
            EVERY_CALL[call](store)
        assert "s3cret" not in str(caught.value) and "helpbot:***@" in str(caught.value)
    finally:
        store.close()


def test_a_malformed_postgres_url_raises_store_error():
    store = open_store("postgresql://u@db.example:notaport/x", None)  # constructing it is fine
    with pytest.raises(StoreError, match="unavailable"):
        store.record_handoff("s")


@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
def test_sqlite_at_an_unopenable_path_raises_store_error(tmp_path, call):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="unavailable"):
        EVERY_CALL[call](SqliteStore(tmp_path / "file" / "db.sqlite3"))


def test_an_old_sqlite_file_is_upgraded_in_place(tmp_path):
    """A file made before versioning (tables only): its rows are kept, its hand-offs come in closed."""
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session_id TEXT "
                     "NOT NULL, entry_id TEXT NOT NULL, helpful INTEGER NOT NULL, comment TEXT)")
        conn.execute("CREATE TABLE handoffs (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, "
                     "session_id TEXT NOT NULL, question TEXT)")
        conn.execute("INSERT INTO feedback VALUES (1, '2026-01-01T00:00:00+00:00', 's', 'e', 1, 'kept')")
        conn.execute("INSERT INTO handoffs VALUES (1, '2026-01-01T00:00:00+00:00', 's', 'old')")
    store = SqliteStore(path)
    assert store.report()["feedback_total"] == 1
    assert store.get_handoff(1).status == "closed"  # handled in LiveChat long ago: not in the queue
    assert store.open_handoff("s", "new").id == 2


# -- the app and the CLI on each backend -----------------------------------------------------------

def test_the_app_keeps_feedback_in_the_database_url(tmp_path, small_bot, clean_env, pg_url):
    app = make_app(tmp_path, small_bot, DATABASE_URL=pg_url, ADMIN_TOKEN="t")
    client = app.test_client()
    show(app, "s", "tt-zip-code")  # a vote counts only for an entry the session was shown
    vote = {"session_id": "s", "entry_id": "tt-zip-code", "helpful": True, "comment": "thanks"}
    assert client.post("/api/feedback", json=vote).status_code == 201
    assert client.post("/api/handoff", json={"session_id": "s"}).get_json()["logged"] is True
    report = client.get("/admin/report", headers={"Authorization": "Bearer t"}).get_json()
    assert report["feedback_total"] == 1 and report["handoffs"] == 1
    assert not (tmp_path / "helpbot.sqlite3").exists()  # nothing went to the SQLite default


def test_the_app_starts_with_the_database_down_and_answers(tmp_path, small_bot, clean_env):
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    app = make_app(tmp_path, small_bot, DATABASE_URL=url)  # starting does not touch the database
    app.extensions["helpbot"].store.timeout = 0.5
    client = app.test_client()
    assert client.post("/api/ask", json={"question": "qwzx plmkj vbnrt"}).status_code == 200
    show(app, "s", "tt-zip-code")
    vote = {"session_id": "s", "entry_id": "tt-zip-code", "helpful": True}
    check_error(client.post("/api/feedback", json=vote), 503, "storage_unavailable", "/api/feedback", "post")
    app.extensions["helpbot"].store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_helpbot_report_names_the_database_it_read(tmp_path, capsys, request, backend):
    if backend == "sqlite":
        target, shown = str(tmp_path / "r.sqlite3"), f"Database: SQLite file {tmp_path / 'r.sqlite3'}"
    else:
        target = request.getfixturevalue("pg_url").replace("postgres@", "postgres:s3cret@")  # trust auth: ignored
        shown = "Database: PostgreSQL postgresql://postgres:***@"
    store = open_store(target if "://" in target else None, target)
    store.record_gap("how do I bake bread", "fallback", 0.1)
    store.close()
    assert main(["report", "--db", target, "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(shown) and "s3cret" not in out
    assert "[1x] how do I bake bread" in out and "Per day (UTC, last 2 days):" in out


def test_helpbot_report_reads_the_database_url_setting(tmp_path, capsys, monkeypatch, clean_env):
    monkeypatch.setenv("HELPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    assert main(["report"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"Database: SQLite file {tmp_path / 'env.sqlite3'}"


def test_helpbot_report_on_a_down_database_fails_in_one_line(capsys):
    assert main(["report", "--db", f"postgresql://u:s3cret@127.0.0.1:{closed_port()}/x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("helpbot: database postgresql://u:***@127.0.0.1") and "s3cret" not in err


def test_a_forked_worker_opens_its_own_pool(pg_url):
    """gunicorn --preload forks workers after the app (and maybe its pool) exists: a child must not
    use the parent's connections (the sockets are shared), nor close them."""
    import multiprocessing

    store = PostgresStore(pg_url)
    store.record_feedback("parent", "e", True)  # the pool is open in the parent
    child = multiprocessing.get_context("fork").Process(target=store.record_feedback, args=("child", "e", True))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    store.record_feedback("parent", "e", False)  # the parent's pool still works
    assert store.report()["feedback_total"] == 3
    store.close()
