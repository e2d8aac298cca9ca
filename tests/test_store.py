"""The SQLite store: what it saves, what it never saves, how it fails, and the report."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest

from helpbot.store import (
    PASSWORD_PLACEHOLDER, SqliteStore, Store, StoreError, clean_text, format_report, group_questions, is_gap,
)


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "data" / "helpbot.sqlite3", timeout=0.2)


def dump(store: SqliteStore) -> str:
    with closing(sqlite3.connect(store.path)) as conn:
        return repr([conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("feedback", "handoffs", "gaps")])


def test_is_a_store_and_the_interface_is_abstract(store):
    assert isinstance(store, Store)
    with pytest.raises(TypeError):
        Store()  # type: ignore[abstract]


def test_nothing_is_opened_until_used(tmp_path):
    SqliteStore(tmp_path / "never" / "db.sqlite3")
    assert not (tmp_path / "never").exists()


def test_records_and_reports(store):
    store.record_feedback("s1", "entry-a", True, "great")
    store.record_feedback("s2", "entry-a", False)
    store.record_feedback("s3", "entry-b", True)
    store.record_handoff("s1", "where is my order")
    store.record_handoff("s2")
    for question in ["how do I bake bread", "How do I bake bread?", "bake bread how", "weather in paris"]:
        store.record_gap(question, "fallback", 0.1, session_id="s9")
    store.record_gap("what is a golden supplier", "clarify", 0.3, entry_id=None)
    report = store.report()
    assert report["handoffs"] == 2 and report["feedback_total"] == 3 and report["gaps_total"] == 5
    assert report["entries"] == [
        {"entry_id": "entry-a", "helpful": 1, "not_helpful": 1, "total": 2, "helpful_rate": 0.5},
        {"entry_id": "entry-b", "helpful": 1, "not_helpful": 0, "total": 1, "helpful_rate": 1.0},
    ]
    top = report["unanswered"][0]
    assert top["count"] == 3 and top["question"].lower().startswith("how do i bake bread")
    assert len(top["examples"]) == 2
    assert [g["count"] for g in report["unanswered"]] == [3, 1, 1]
    assert len(store.report(limit=1)["unanswered"]) == 1


def test_empty_report(store):
    assert store.report() == {"unanswered": [], "entries": [], "handoffs": 0, "feedback_total": 0, "gaps_total": 0}
    text = format_report(store)
    assert "(none yet)" in text and "(no feedback yet)" in text


def test_format_report(store):
    store.record_gap("how do I bake bread", "fallback", 0.1)
    store.record_gap("how do I bake bread?", "fallback", 0.1)
    store.record_feedback("s", "tt-payment-arrival-time", False)
    store.record_handoff("s")
    text = format_report(store)
    assert "Hand-offs to a LiveChat agent: 1" in text
    assert "[2x] how do I bake bread" in text
    assert "tt-payment-arrival-time  0/1 helpful (0%)" in text


def test_grouping_uses_token_set_ratio_85():
    rows = [("track my shipment", 4, "2026-01-02"), ("how can I track my shipment", 2, "2026-01-03"),
            ("cancel my membership", 3, "2026-01-01"), ("membership fees", 1, "2026-01-01")]
    groups = group_questions(rows)
    assert [(g["question"], g["count"]) for g in groups] == [
        ("track my shipment", 6), ("cancel my membership", 3), ("membership fees", 1)]
    assert groups[0]["last_seen"] == "2026-01-03"


def test_wal_mode_and_folder_created(store):
    store.record_handoff("s")
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_many_threads_write_safely(tmp_path):
    # SQLite's busy handler is not fair: on a loaded machine one of eight writers can wait
    # longer than the 0.2 s the other tests use, so this one waits as long as production (2 s+).
    store = SqliteStore(tmp_path / "threads.sqlite3", timeout=10.0)

    def work(n: int) -> None:
        for i in range(20):
            store.record_gap(f"question {n} {i}", "fallback", 0.1)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.report()["gaps_total"] == 160


def test_locked_database_raises_store_error(store):
    store.record_handoff("warm-up")
    with closing(sqlite3.connect(store.path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreError, match="locked"):
            store.record_feedback("s", "e", True)
        other.execute("ROLLBACK")
    store.record_feedback("s", "e", True)


def test_unopenable_paths_raise_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        SqliteStore(blocker / "db.sqlite3").record_handoff("s")
    folder = tmp_path / "folder.sqlite3"
    folder.mkdir()
    with pytest.raises(StoreError):
        SqliteStore(folder).record_handoff("s")


def test_read_only_database_raises_store_error(store, monkeypatch):
    store.record_handoff("s")  # the tables exist
    original = sqlite3.connect

    def connect_read_only(path, *args, **kwargs):
        # As a read-only mount would (file permissions do not stop root, who runs CI).
        return original(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect_read_only)
    with pytest.raises(StoreError, match="readonly|read-only"):
        store.record_handoff("another session")  # "s" has its hand-off open: asking again writes nothing


def test_deleted_database_is_made_again(store):
    store.record_handoff("s")
    for suffix in ("", "-wal", "-shm"):
        path = store.path.with_name(store.path.name + suffix)
        if path.exists():
            path.unlink()
    store.record_handoff("s")  # tables gone: this call makes them again and saves its row
    assert store.report()["handoffs"] == 1
    store.path.unlink()
    assert store.report()["handoffs"] == 0  # a read on a deleted file works too (empty)


SECRETS = ["Hunter2!abc", "Tr0ub4dor&3", "hunter22", "p@ssw0rd", "xK9#mm_q", "correct-h0rse!"]


@pytest.mark.parametrize("secret", SECRETS)
def test_password_looking_tokens_are_redacted(store, secret):
    store.record_gap(f"is {secret} a good password?", "fallback", 0.1)
    store.record_handoff("s", f"my password is {secret}.")
    store.record_feedback("s", "e", False, f"tried '{secret}' twice")
    assert secret not in dump(store)
    assert "[redacted]" in dump(store)


def test_password_phrases_are_redacted():
    assert clean_text("my password is bamboo") == "my password is [redacted]"
    assert clean_text("password: bamboo") == "password: [redacted]"
    assert clean_text("pwd=bamboo") == "pwd=[redacted]"


@pytest.mark.parametrize("text", [
    "how long does T/T take for a US$5,000 order?", "order ORD12345 paid on 2026-11-20 at 10:30am",
    "I need 5000pcs in a 40HQ", "what are the password rules", "the 3rd supplier", "visit https://ecokara.com/x1y2",
    "don't know what e-checking is", "fees for 4,999.99 USD",
])
def test_ordinary_questions_are_kept(text):
    assert clean_text(text) == text


def test_password_check_messages_are_never_stored(store):
    store.record_gap("check my password bamboo horse", "tool", 0.2, tool="password_check")
    assert "bamboo" not in dump(store)
    assert store.report()["unanswered"][0]["question"] == PASSWORD_PLACEHOLDER
    assert clean_text(None) is None


def test_long_text_is_cut(store):
    store.record_gap("word " * 1000, "fallback", 0.0)
    assert len(store.report()["unanswered"][0]["question"]) == 2000


@pytest.mark.parametrize("kind, confidence, gap", [
    ("fallback", 0.9, True), ("clarify", 0.9, True), ("answer", 0.49, True), ("answer", 0.5, False),
    ("smalltalk", 0.9, False), ("tool", 0.2, True), ("handoff", 0.8, False),
])
def test_is_gap(kind, confidence, gap):
    assert is_gap(kind, confidence) is gap


def test_secret_prompt_notes_are_shared_used_once_and_expire(store, monkeypatch):
    import helpbot.store.sql as store_module

    assert store.secret_expected("s1") is False
    store.expect_secret("s1")
    other_worker = SqliteStore(store.path)  # another process's store on the same file
    assert other_worker.secret_expected("s1") is True
    assert other_worker.secret_expected("s1") is False  # used up by that message
    store.expect_secret("s2")
    now = store_module.time.time()
    monkeypatch.setattr(store_module.time, "time", lambda: now + store_module.SECRET_PROMPT_TTL + 1)
    assert store.secret_expected("s2") is False  # too old: the conversation expired too
    store.expect_secret("s3")  # each new note clears the expired ones
    with closing(sqlite3.connect(store.path)) as conn:
        assert [row[0] for row in conn.execute("SELECT session_id FROM secret_prompts")] == ["s3"]


def test_every_backend_must_implement_the_whole_interface():
    class Minimal(Store):  # the four methods a store needed before the queue and the prompt notes
        def record_feedback(self, *a, **k): ...
        def record_gap(self, *a, **k): ...
        def report(self, limit=10, **k): return {}

    with pytest.raises(TypeError, match="expect_secret"):
        Minimal()  # type: ignore[abstract]
    missing = Store.__abstractmethods__
    assert {"expect_secret", "secret_expected", "open_handoff", "claim_handoff", "messages_after"} <= missing
