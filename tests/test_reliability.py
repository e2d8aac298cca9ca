"""Faults: knowledge reload without downtime, and a feedback database that is locked,
read-only, full, failing or deleted.

Reload: a valid change is built completely, then swapped in with one assignment; requests
already running finish on the old Bot; an invalid file leaves the old Bot serving and the
API says which file and line (422). SIGHUP does the same in the background, in-process here
and in real servers (``helpbot serve`` and gunicorn workers) in test_servers.py.

Storage: whatever the database does, every ask is answered (200), every failure is logged,
and no feedback acknowledged with a 2xx is missing from the database afterwards (the
store commits before the API answers); refused feedback (503) is not half-saved either.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from helpbot import Bot
from helpbot.models import Reply
from helpbot.sessions import MemorySessionStore
from helpbot.store import SqliteStore, Store
from web_fixtures import BROKEN_YAML, NEW_ENTRY, check_error, check_openapi, clean_env, make_app, show  # noqa: F401

TOKEN = "reload-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def kb_bot(kb_copy: Path, fixture_intents: Path) -> Bot:
    return Bot.load(knowledge_dir=kb_copy, intents_dir=fixture_intents)


@pytest.fixture
def reload_app(tmp_path: Path, kb_copy: Path, fixture_intents: Path, kb_bot: Bot, clean_env: None):
    return make_app(tmp_path, kb_bot, ADMIN_TOKEN=TOKEN, KNOWLEDGE_DIR=str(kb_copy),
                    INTENTS_DIR=str(fixture_intents))


def entry_ids(client) -> set[str]:
    return {e["id"] for e in client.get("/api/entries").get_json()["entries"]}


def add_entry(kb: Path) -> None:
    path = kb / "account.yaml"
    path.write_text(path.read_text() + NEW_ENTRY)


def reload_and_wait(client, timeout: float = 60.0) -> dict[str, Any]:
    """POST /admin/reload (202 at once), then poll its status URL until it is no longer building."""
    response = client.post("/admin/reload", headers=AUTH)
    started = check_openapi(response, "/admin/reload", "post")
    assert response.status_code == 202 and response.headers["Location"] == started["status_url"]
    deadline = time.monotonic() + timeout
    while True:
        status = check_openapi(client.get(started["status_url"], headers=AUTH), "/admin/reload/{reload_id}")
        if status["state"] != "building" or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


# -- reload: the API ------------------------------------------------------------------------------

def test_reload_swaps_in_a_valid_change(reload_app, kb_copy):
    client = reload_app.test_client()
    before = entry_ids(client)
    assert "reload-new-entry" not in before
    add_entry(kb_copy)
    status = reload_and_wait(client)
    assert status["state"] == "done", status
    (data,) = status["workers"].values()  # one worker: this app
    assert data["entries"] == len(before) + 1 and data["generation"] == 1 and data["error"] is None
    assert data["fingerprint"] == status["serving"]["fingerprint"] and data["finished_at"] >= data["started_at"]
    assert data["sessions_kept"] is True  # nothing was removed: conversations go on
    latest = check_openapi(client.get("/admin/reload", headers=AUTH), "/admin/reload")
    assert latest["id"] == status["id"] and latest["state"] == "done"
    assert entry_ids(client) == before | {"reload-new-entry"}
    reply = client.post("/api/ask", json={"question": "where can I download the invoice pdf"}).get_json()
    assert reply["entry_id"] == "reload-new-entry"
    assert check_openapi(client.get("/api/entries/reload-new-entry"), "/api/entries/{entry_id}")["source_text"]


def test_reload_refuses_invalid_yaml_and_keeps_serving(reload_app, kb_copy, caplog):
    client = reload_app.test_client()
    before = entry_ids(client)
    old_bot = reload_app.extensions["helpbot"].bot
    (kb_copy / "account.yaml").write_text(BROKEN_YAML)
    response = client.post("/admin/reload", headers=AUTH)
    message = check_error(response, 422, "invalid_knowledge", "/admin/reload", "post")
    assert "account.yaml:4" in message and "malformed YAML" in message  # the file and the line
    assert "still serving" in message
    assert reload_app.extensions["helpbot"].bot is old_bot
    assert entry_ids(client) == before
    assert client.post("/api/ask", json={"question": "tt zip code"}).get_json()["entry_id"] == "tt-zip-code"
    assert "account.yaml:4" in caplog.text  # and the log says it too


def test_reload_resets_sessions_only_when_an_entry_was_removed(reload_app, kb_copy):
    client = reload_app.test_client()
    client.post("/api/ask", json={"question": "qwzx plmkj", "session_id": "keep-1"})
    (kb_copy / "payments.yaml").write_text((kb_copy / "payments.yaml").read_text().replace(
        "  - id: tt-swift-code\n", "  - id: tt-swift-code-renamed\n"))
    (data,) = reload_and_wait(client)["workers"].values()
    assert data["sessions_kept"] is False  # "the first one" must never name a removed entry
    follow = client.post("/api/ask", json={"question": "the first one", "session_id": "keep-1"})
    assert follow.status_code == 200 and check_openapi(follow, "/api/ask", "post")


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer wrong"}, 403, "forbidden"),
    ({"Authorization": f"Basic {TOKEN}"}, 403, "forbidden"),
])
def test_reload_needs_the_admin_token(reload_app, headers, status, code):
    old_bot = reload_app.extensions["helpbot"].bot
    check_error(reload_app.test_client().post("/admin/reload", headers=headers), status, code,
                "/admin/reload", "post")
    assert reload_app.extensions["helpbot"].bot is old_bot


def test_reload_is_off_without_an_admin_token(tmp_path, kb_bot, clean_env):
    client = make_app(tmp_path, kb_bot).test_client()
    check_error(client.post("/admin/reload", headers=AUTH), 404, "not_found", "/admin/reload", "post")
    check_error(client.get("/admin/reload", headers=AUTH), 404, "not_found", "/admin/reload", "get")
    check_error(client.put("/admin/reload", headers=AUTH), 405, "method_not_allowed", "/admin/reload", "post")


# -- reload: atomic swap, requests in flight ---------------------------------------------------------

class GatedBot:
    """Answers with its own name; with a gate, waits inside ask() until the gate opens."""

    def __init__(self, name: str, entries: dict, gate: threading.Event | None = None) -> None:
        self.name = name
        self.entries = entries
        self.gate = gate
        self.inside = threading.Event()
        self.sessions = None

    def ask(self, question: str, session_id: str | None = None) -> Reply:
        self.inside.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        return Reply("smalltalk", f"answered by {self.name}", confidence=0.9)

    def new_session_id(self) -> str:
        return "gated"

    def search(self, query: str, k: int = 5) -> list:
        return []


def test_requests_in_flight_finish_on_the_old_bot(tmp_path, kb_bot, clean_env):
    gate = threading.Event()
    old = GatedBot("old", kb_bot.entries, gate)
    app = make_app(tmp_path, old, ADMIN_TOKEN=TOKEN)
    new = GatedBot("new", {**kb_bot.entries})
    app.extensions["helpbot"].reloader.load = lambda **options: new
    results: dict[str, Any] = {}

    def in_flight() -> None:
        results["slow"] = app.test_client().post("/api/ask", json={"question": "hi"}).get_json()

    thread = threading.Thread(target=in_flight)
    thread.start()
    assert old.inside.wait(5)  # the request is inside the old bot now
    assert reload_and_wait(app.test_client())["state"] == "done"
    assert app.extensions["helpbot"].bot is new
    after = app.test_client().post("/api/ask", json={"question": "hi"}).get_json()
    gate.set()
    thread.join(5)
    assert results["slow"]["text"] == "answered by old"
    assert after["text"] == "answered by new"


def test_reloads_under_concurrent_load_never_fail_a_request(reload_app, kb_copy):
    """Reload five times while four threads ask and search: every answer is a 200 from a
    complete knowledge base (an entry it names exists in what /api/entries lists)."""
    stop = threading.Event()
    failures: list[str] = []
    counts = [0]

    def hammer(n: int) -> None:
        client = reload_app.test_client()
        while not stop.is_set():
            for response in (client.post("/api/ask", json={"question": "swift code", "session_id": f"h{n}"}),
                             client.get("/api/search?q=refund&k=3"), client.get("/healthz")):
                counts[0] += 1
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        client = reload_app.test_client()
        for n in range(5):
            # Let requests run between reloads, so every reload meets requests in flight.
            wait_for_count = counts[0] + 5
            deadline = time.monotonic() + 30
            while counts[0] < wait_for_count and time.monotonic() < deadline:
                time.sleep(0.01)
            if n == 2:
                add_entry(kb_copy)
            assert reload_and_wait(client)["state"] == "done"
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not failures, failures[:3]
    assert counts[0] > 25
    assert reload_app.extensions["helpbot"].reloader.generation == 5


# -- reload: SIGHUP in this process -----------------------------------------------------------------

@pytest.fixture
def sighup_restored():
    previous = signal.getsignal(signal.SIGHUP)
    yield
    signal.signal(signal.SIGHUP, previous)


def test_sighup_reloads_in_the_background(reload_app, kb_copy, sighup_restored):
    reloader = reload_app.extensions["helpbot"].reloader
    assert reloader.install_signal_handler()
    add_entry(kb_copy)
    os.kill(os.getpid(), signal.SIGHUP)
    deadline = time.monotonic() + 30
    while reloader.generation == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wait_idle(reloader, 30)
    assert "reload-new-entry" in entry_ids(reload_app.test_client())


def test_sighup_with_invalid_yaml_logs_and_keeps_serving(reload_app, kb_copy, sighup_restored, caplog):
    caplog.set_level(logging.INFO, logger="helpbot")
    reloader = reload_app.extensions["helpbot"].reloader
    assert reloader.install_signal_handler()
    old_bot = reload_app.extensions["helpbot"].bot
    (kb_copy / "account.yaml").write_text(BROKEN_YAML)
    os.kill(os.getpid(), signal.SIGHUP)
    deadline = time.monotonic() + 30
    while "reload (SIGHUP) failed" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wait_idle(reloader, 30)
    assert "account.yaml:4" in caplog.text and "still serving the previous knowledge" in caplog.text
    assert reload_app.extensions["helpbot"].bot is old_bot
    assert reload_app.test_client().post("/api/ask", json={"question": "tt zip code"}).status_code == 200


def test_reload_requests_coalesce(reload_app):
    reloader = reload_app.extensions["helpbot"].reloader
    calls = []
    gate = threading.Event()
    real = reload_app.extensions["helpbot"].bot

    def slow_load(**options):
        calls.append(1)
        gate.wait(5)
        return real

    reloader.load = slow_load
    for _ in range(5):  # a burst of signals while the first rebuild runs
        reloader.request_reload("test")
    gate.set()
    assert wait_idle(reloader, 10)
    assert 1 <= len(calls) <= 2  # the first rebuild, then at most one more for the burst


def test_no_signal_handler_outside_the_main_thread(reload_app):
    result = []
    thread = threading.Thread(target=lambda: result.append(
        reload_app.extensions["helpbot"].reloader.install_signal_handler()))
    thread.start()
    thread.join()
    assert result == [False]


# -- storage faults ---------------------------------------------------------------------------------

FAULTS = {
    "full": "database or disk is full",
    "readonly": "attempt to write a readonly database",
    "ioerror": "disk I/O error",
    "locked": "database is locked",
}


class FaultyConnection(sqlite3.Connection):
    fault: str | None = None

    def execute(self, sql, *args):  # type: ignore[override]
        if self.fault and sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError(FAULTS[self.fault])
        return super().execute(sql, *args)


class FaultyStore(SqliteStore):
    """The real SqliteStore, whose INSERTs fail with the real sqlite3 error of ``fault``."""

    fault: str | None = None

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout, factory=FaultyConnection)
        conn.fault = self.fault
        return conn


def saved_comments(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT comment FROM feedback ORDER BY id")]


def post_feedback(client, n: int):
    show(client.application, f"fb-{n}", "tt-zip-code")  # as if the bot had answered it in that session
    return client.post("/api/feedback", json={"session_id": f"fb-{n}", "entry_id": "tt-zip-code",
                                               "helpful": n % 2 == 0, "comment": f"vote {n}"})


class UnsureBot(GatedBot):
    """Always unsure, so every ask logs a content gap: a write under the fault too."""

    def ask(self, question: str, session_id: str | None = None) -> Reply:
        return Reply("fallback", "Sorry, I don't know the answer to that one.", confidence=0.1)


def test_every_acknowledged_vote_is_saved_under_faults(tmp_path, kb_bot, clean_env, caplog):
    store = FaultyStore(tmp_path / "faulty.sqlite3", timeout=0.1)
    unsure = UnsureBot("unsure", kb_bot.entries)
    unsure.sessions = MemorySessionStore()  # where the votes' sessions are looked up
    client = make_app(tmp_path, unsure, store=store).test_client()
    schedule = [None, "full", None, "readonly", "ioerror", None, "locked", None, "full", "full", None]
    acknowledged, refused = [], []
    for n in range(110):
        store.fault = schedule[n % len(schedule)]
        ask = client.post("/api/ask", json={"question": "qwzx plmkj vbnrt", "session_id": f"fb-{n}"})
        assert ask.status_code == 200 and ask.get_json()["kind"] == "fallback"  # and a gap written
        response = post_feedback(client, n)
        assert response.status_code in (201, 503), response.get_data(as_text=True)
        if response.status_code == 201:
            acknowledged.append(f"vote {n}")
        else:
            check_error(response, 503, "storage_unavailable", "/api/feedback", "post")
            assert response.headers["Retry-After"]
            refused.append(f"vote {n}")
        handoff = client.post("/api/handoff", json={"session_id": f"fb-{n}"})
        # Queued only when stored (else nobody would pick it up): 200, or 503 under a fault.
        assert handoff.status_code == (200 if store.fault is None else 503), handoff.get_data(as_text=True)
    store.fault = None
    assert acknowledged and refused
    assert saved_comments(store.path) == acknowledged  # all of them, in order, and nothing refused
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM gaps").fetchone()[0] == len(acknowledged)  # same schedule
    for message in FAULTS.values():
        assert message in caplog.text


def test_a_really_full_database_answers_and_loses_nothing(tmp_path, kb_bot, clean_env):
    """SQLite's own SQLITE_FULL: the file may not grow past its current pages."""

    class CappedStore(SqliteStore):
        cap: int | None = None

        def _open(self) -> sqlite3.Connection:
            conn = sqlite3.connect(self.path, timeout=self.timeout)
            if self.cap is not None:
                conn.execute(f"PRAGMA max_page_count = {self.cap}")
            return conn

    store = CappedStore(tmp_path / "capped.sqlite3")
    client = make_app(tmp_path, kb_bot, store=store).test_client()
    assert post_feedback(client, 0).status_code == 201
    with closing(sqlite3.connect(store.path)) as conn:
        store.cap = conn.execute("PRAGMA page_count").fetchone()[0]
    acknowledged, statuses = ["vote 0"], []
    for n in range(1, 400):  # long comments fill the last pages quickly
        comment = f"vote {n} " + "x" * 900
        show(client.application, f"s{n}", "tt-zip-code")
        response = client.post("/api/feedback", json={"session_id": f"s{n}", "entry_id": "tt-zip-code",
                                                      "helpful": True, "comment": comment})
        statuses.append(response.status_code)
        if response.status_code == 201:
            acknowledged.append(comment)
        assert client.post("/api/ask", json={"question": "qwzx plmkj vbnrt"}).status_code == 200
    assert 503 in statuses  # the disk did fill up
    assert set(statuses) <= {201, 503}
    store.cap = None
    assert saved_comments(store.path) == acknowledged


def test_locked_database_under_concurrent_feedback_loses_nothing(tmp_path, kb_bot, clean_env):
    """Threads vote while another connection takes the write lock again and again (longer
    than the store's busy timeout): refused votes are 503, acknowledged ones all saved."""
    store = SqliteStore(tmp_path / "locked.sqlite3", timeout=0.05)
    store.record_handoff("warm-up")
    app = make_app(tmp_path, kb_bot, store=store)
    stop = threading.Event()
    acknowledged: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def locker() -> None:
        with closing(sqlite3.connect(store.path, isolation_level=None)) as other:
            while not stop.is_set():
                other.execute("BEGIN EXCLUSIVE")
                time.sleep(0.1)
                other.execute("ROLLBACK")
                time.sleep(0.05)

    def voter(worker: int) -> None:
        client = app.test_client()
        show(app, f"w{worker}", "tt-zip-code")
        for n in range(25):
            comment = f"worker {worker} vote {n}"
            response = client.post("/api/feedback", json={"session_id": f"w{worker}", "entry_id": "tt-zip-code",
                                                          "helpful": True, "comment": comment})
            ask = client.post("/api/ask", json={"question": "qwzx plmkj vbnrt"})
            with lock:
                statuses.extend([response.status_code, ask.status_code])
                if response.status_code == 201:
                    acknowledged.append(comment)

    lock_thread = threading.Thread(target=locker)
    lock_thread.start()
    voters = [threading.Thread(target=voter, args=(w,)) for w in range(4)]
    for thread in voters:
        thread.start()
    for thread in voters:
        thread.join(60)
    stop.set()
    lock_thread.join(10)
    assert set(statuses) <= {200, 201, 503}
    assert statuses.count(200) == 100  # every ask answered
    assert sorted(saved_comments(store.path)) == sorted(acknowledged)


def test_database_deleted_while_running(tmp_path, kb_bot, clean_env):
    store = SqliteStore(tmp_path / "deleted.sqlite3")
    client = make_app(tmp_path, kb_bot, store=store).test_client()
    assert post_feedback(client, 1).status_code == 201
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store.path}{suffix}").unlink(missing_ok=True)
    assert client.post("/api/ask", json={"question": "qwzx plmkj vbnrt"}).status_code == 200
    assert post_feedback(client, 2).status_code == 201  # the tables are made again on the way
    assert saved_comments(store.path) == ["vote 2"]


def test_read_only_database_refuses_votes_and_answers(tmp_path, kb_bot, clean_env, caplog):
    class ReadOnlyStore(SqliteStore):
        def _open(self) -> sqlite3.Connection:
            # As a read-only mount would (file permissions do not stop root, who runs CI).
            return sqlite3.connect(f"file:{self.path}?mode=ro", timeout=self.timeout, uri=True)

    SqliteStore(tmp_path / "ro.sqlite3").record_handoff("made")  # the file and tables exist
    client = make_app(tmp_path, kb_bot, store=ReadOnlyStore(tmp_path / "ro.sqlite3")).test_client()
    assert client.post("/api/ask", json={"question": "qwzx plmkj vbnrt"}).status_code == 200
    check_error(post_feedback(client, 1), 503, "storage_unavailable", "/api/feedback", "post")
    assert saved_comments(tmp_path / "ro.sqlite3") == []
    assert "readonly" in caplog.text


class RaisingStore(Store):
    """A store with a bug: raw exceptions, not StoreError."""

    def record_feedback(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    def record_handoff(self, *args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    def record_gap(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("bug in the store")

    def report(self, limit: int = 10, **kwargs: Any) -> dict[str, Any]:
        raise sqlite3.DatabaseError("file is not a database")

    def _bug(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug in the hand-off queue")

    open_handoff = list_handoffs = get_handoff = handoff_for_session = _bug
    claim_handoff = close_handoff = add_handoff_message = messages_after = _bug
    record_outcomes = outcomes_since = record_signal = signals = record_decision = decisions = _bug

    def expect_secret(self, session_id: str) -> None:
        pass

    def secret_expected(self, session_id: str) -> bool:
        return False


def test_a_store_that_raises_anything_never_breaks_answers(tmp_path, kb_bot, clean_env, caplog):
    client = make_app(tmp_path, kb_bot, store=RaisingStore(), ADMIN_TOKEN=TOKEN).test_client()
    assert client.post("/api/ask", json={"question": "qwzx plmkj vbnrt"}).status_code == 200
    check_error(post_feedback(client, 1), 503, "storage_unavailable", "/api/feedback", "post")
    check_error(client.post("/api/handoff", json={"session_id": "s"}), 503, "storage_unavailable", "/api/handoff",
                "post")
    check_error(client.get("/admin/report", headers=AUTH), 503, "storage_unavailable", "/admin/report")
    for text in ("bug in the store", "bug in the hand-off queue", "database or disk is full", "file is not a database"):
        assert text in caplog.text


# -- start-up: a SIGHUP while loading, invalid files at start -------------------------------------

def test_sighup_while_the_app_starts_is_served_once_it_is_up(tmp_path, small_bot, clean_env, monkeypatch,
                                                             sighup_restored):
    from helpbot.bot import Bot
    from helpbot.web import create_app

    calls = []

    def load_and_get_hup(*args, **kwargs):
        if not calls:  # while the app starts (not again for the reload it triggers)
            os.kill(os.getpid(), signal.SIGHUP)  # as gunicorn's master or an operator might, too early
        calls.append(1)
        return small_bot

    monkeypatch.setattr(Bot, "load", load_and_get_hup)
    app = create_app({"DB_PATH": str(tmp_path / "db.sqlite3"), "RELOAD_ON_SIGHUP": True})  # still alive
    reloader = app.extensions["helpbot"].reloader
    assert wait_idle(reloader, 30) and reloader.generation == 1
    assert reloader.handler_pid == os.getpid()


def test_start_with_invalid_files_uses_the_last_good_build(tmp_path, kb_copy, fixture_intents, clean_env,
                                                           monkeypatch, caplog):
    from helpbot.bot import Bot
    from helpbot.web import create_app

    monkeypatch.setenv("HELPBOT_CACHE_DIR", str(tmp_path / "cache"))
    good = Bot.load(kb_copy, fixture_intents, fall_back=True)
    assert not good.stale
    (kb_copy / "account.yaml").write_text(BROKEN_YAML)
    bot = Bot.load(kb_copy, fixture_intents, fall_back=True)
    assert bot.stale and set(bot.entries) == set(good.entries)
    assert "account.yaml:4" in caplog.text and "last build that did" in caplog.text
    with pytest.raises(Exception, match="account.yaml:4"):
        Bot.load(kb_copy, fixture_intents)  # a reload must see the error
    app = create_app({"DB_PATH": str(tmp_path / "db.sqlite3"), "KNOWLEDGE_DIR": str(kb_copy),
                      "INTENTS_DIR": str(fixture_intents), "ADMIN_TOKEN": TOKEN, "TESTING": True})
    client = app.test_client()
    assert client.post("/api/ask", json={"question": "tt zip code"}).get_json()["entry_id"] == "tt-zip-code"
    check_error(client.post("/admin/reload", headers=AUTH), 422, "invalid_knowledge", "/admin/reload", "post")


def test_start_with_invalid_files_and_no_good_build_fails(tmp_path, kb_copy, fixture_intents, clean_env,
                                                          monkeypatch):
    from helpbot.bot import Bot
    from helpbot.errors import KnowledgeError

    monkeypatch.setenv("HELPBOT_CACHE_DIR", str(tmp_path / "empty-cache"))
    (kb_copy / "account.yaml").write_text(BROKEN_YAML)
    with pytest.raises(KnowledgeError, match="account.yaml:4"):
        Bot.load(kb_copy, fixture_intents, fall_back=True)


def wait_idle(reloader, timeout: float) -> bool:
    """Wait for a background reload to finish; True when it did in time."""
    deadline = time.monotonic() + timeout
    while reloader.running and time.monotonic() < deadline:
        time.sleep(0.02)
    return not reloader.running
