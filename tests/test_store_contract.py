"""The Store contract, checked on every SQL backend (SQLite and the real PostgreSQL).

Each test runs once per backend on a fresh database (a temporary file, or a throw-away
PostgreSQL schema): what is saved and reported, what is never saved, the hand-off queue's
rules, the daily row cap, the migrations, and how failures look.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpbot.store.sql as sql_module
from helpbot.store import (
    PASSWORD_PLACEHOLDER, SECRET_PROMPT_TTL, HandoffConflict, HandoffNotFound, StoreError, StoreQuotaError,
)
from helpbot.store.migrations import LATEST, MIGRATIONS
from store_fixtures import Backend, backend, pg_url, store  # noqa: F401

SECRETS = ["Hunter2!abc", "Tr0ub4dor&3", "hunter22", "p@ssw0rd", "xK9#mm_q", "correct-h0rse!"]


# -- what is saved ----------------------------------------------------------------------------------

def test_records_and_reports(store, backend):
    store.record_feedback("s1", "entry-a", True, "great")
    store.record_feedback("s2", "entry-a", False)
    store.record_feedback("s3", "entry-b", True)
    store.record_handoff("s1", "where is my order")
    store.record_handoff("s2")
    for question in ["how do I bake bread", "How do I bake bread?", "bake bread how", "weather in paris"]:
        store.record_gap(question, "fallback", 0.1, session_id="s9")
    store.record_gap("what is a golden supplier", "clarify", 0.3, entry_id="e-1")
    report = store.report()
    assert report["handoffs"] == 2 and report["feedback_total"] == 3 and report["gaps_total"] == 5
    assert report["entries"] == [
        {"entry_id": "entry-a", "helpful": 1, "not_helpful": 1, "total": 2, "helpful_rate": 0.5},
        {"entry_id": "entry-b", "helpful": 1, "not_helpful": 0, "total": 1, "helpful_rate": 1.0},
    ]
    assert [g["count"] for g in report["unanswered"]] == [3, 1, 1]
    assert len(store.report(limit=1)["unanswered"]) == 1
    assert backend.rows("SELECT session_id, entry_id, helpful, comment FROM feedback ORDER BY id") == [
        ("s1", "entry-a", 1, "great"), ("s2", "entry-a", 0, None), ("s3", "entry-b", 1, None)]
    assert backend.rows("SELECT question, kind, entry_id FROM gaps WHERE kind = 'clarify'") == [
        ("what is a golden supplier", "clarify", "e-1")]


def test_report_shape_and_days(store):
    assert store.report() == {"unanswered": [], "entries": [], "handoffs": 0, "feedback_total": 0, "gaps_total": 0}
    store.record_gap("q1", "fallback", 0.1)
    store.record_gap("q2", "clarify", 0.3)
    store.record_gap("q3", "answer", 0.2)
    store.record_handoff("s")
    store.record_feedback("s", "e", True)
    store.record_feedback("s", "e", False)
    days = store.report(days=3)["days"]
    assert [d["day"] for d in days] == sorted(d["day"] for d in days) and len(days) == 3
    assert days[-1]["day"] == sql_module._utc_day()
    assert days[-1] == {"day": days[-1]["day"], "fallback": 1, "clarify": 1, "unsure": 1, "handoffs": 1,
                        "helpful": 1, "not_helpful": 1}
    assert all(v == 0 for d in days[:-1] for k, v in d.items() if k != "day")


def test_writes_are_seen_by_another_worker_at_once(backend):
    first, second = backend.store(), backend.store()
    first.record_feedback("s", "e", True)
    assert second.report()["feedback_total"] == 1  # committed before record_feedback returned


# -- what is never saved ----------------------------------------------------------------------------

@pytest.mark.parametrize("secret", SECRETS)
def test_password_looking_tokens_are_redacted_everywhere(store, backend, secret):
    store.record_gap(f"is {secret} a good password?", "fallback", 0.1)
    store.record_feedback("s", "e", False, f"tried '{secret}' twice")
    handoff = store.open_handoff("s", f"my password is {secret}.", [("buyer", f"it is {secret}"), ("bot", "ok")])
    store.add_handoff_message(handoff.id, "buyer", f"password: {secret}")
    assert secret not in backend.dump()
    assert backend.dump().count("[redacted]") >= 4


def test_password_check_messages_are_never_stored(store, backend):
    store.record_gap("check my password bamboo horse", "tool", 0.2, tool="password_check")
    store.expect_secret("s")
    assert "bamboo" not in backend.dump()
    assert store.report()["unanswered"][0]["question"] == PASSWORD_PLACEHOLDER


def test_secret_prompt_notes_are_shared_used_once_and_expire(backend, monkeypatch):
    store, other_worker = backend.store(), backend.store()
    assert store.secret_expected("s1") is False
    store.expect_secret("s1")
    assert other_worker.secret_expected("s1") is True
    assert other_worker.secret_expected("s1") is False  # used up by that message
    store.expect_secret("s2")
    now = sql_module.time.time()
    monkeypatch.setattr(sql_module.time, "time", lambda: now + SECRET_PROMPT_TTL + 1)
    assert store.secret_expected("s2") is False  # too old: the conversation expired too
    store.expect_secret("s3")  # each new note clears the expired ones
    assert [row[0] for row in backend.rows("SELECT session_id FROM secret_prompts")] == ["s3"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_is_stored(store, text):
    """Unpaired surrogates, NUL characters, any Unicode: every backend stores it (as valid UTF-8)."""
    store.record_gap(text, "fallback", 0.1, session_id=text[:40])
    store.record_feedback(text[:40], text[:40], True, text)
    handoff = store.open_handoff(text[:40], text, [("buyer", text)])
    message = store.add_handoff_message(handoff.id, "buyer", text)
    assert store.messages_after(handoff.id, message.id - 1) == [message]
    assert "\x00" not in message.text and store.report()["gaps_total"] >= 1


# -- the hand-off queue -----------------------------------------------------------------------------

def test_opening_twice_gives_the_same_handoff(store, backend):
    first = store.open_handoff("s", "where is my order", [("buyer", "hi"), ("bot", "hello")])
    again = store.open_handoff("s", "another question", [("buyer", "?")])
    assert again == first and first.status == "open" and first.claimed_by is None
    assert first.transcript == (("buyer", "hi"), ("bot", "hello"))
    assert store.open_handoff("t", None).id != first.id
    assert backend.rows("SELECT COUNT(*) FROM handoffs WHERE session_id = 's'") == [(1,)]
    store.claim_handoff(first.id, "ann")
    assert store.open_handoff("s", "x").id == first.id  # claimed is still live
    store.close_handoff(first.id, "ann")
    reopened = store.open_handoff("s", "back again")
    assert reopened.id != first.id and reopened.status == "open"
    assert store.handoff_for_session("s") == reopened
    assert store.handoff_for_session("nobody") is None


def test_claim_and_close_rules(store):
    handoff = store.open_handoff("s", "q")
    claimed = store.claim_handoff(handoff.id, "ann")
    assert (claimed.status, claimed.claimed_by) == ("claimed", "ann")
    assert store.claim_handoff(handoff.id, "ann") == claimed  # claiming again: a no-op
    with pytest.raises(HandoffConflict, match="another agent"):
        store.claim_handoff(handoff.id, "bob")
    with pytest.raises(HandoffConflict, match="another agent"):
        store.close_handoff(handoff.id, "bob")
    closed = store.close_handoff(handoff.id, "ann")
    assert closed.status == "closed" and store.close_handoff(handoff.id, "ann") == closed  # twice: no-op
    with pytest.raises(HandoffConflict, match="closed"):
        store.claim_handoff(handoff.id, "ann")
    with pytest.raises(HandoffConflict, match="closed"):
        store.add_handoff_message(handoff.id, "buyer", "hello?")
    unclaimed = store.open_handoff("t", "q")
    assert store.close_handoff(unclaimed.id, "bob").claimed_by == "bob"  # an open one: anyone may close it
    assert store.get_handoff(handoff.id) == closed and store.get_handoff(999_999) is None


@pytest.mark.parametrize("action", [
    lambda s: s.claim_handoff(424242, "ann"), lambda s: s.close_handoff(424242, "ann"),
    lambda s: s.add_handoff_message(424242, "agent", "hi"),
])
def test_unknown_handoffs_are_not_found(store, action):
    with pytest.raises(HandoffNotFound, match="424242"):
        action(store)


@pytest.mark.parametrize("action, message", [
    (lambda s: s.list_handoffs(status="pending"), "Known: open, claimed, closed"),
    (lambda s: s.add_handoff_message(s.open_handoff("s", None).id, "robot", "hi"), "Known: buyer, bot, agent"),
    (lambda s: s.open_handoff("s", None, [("visitor", "hi")]), "Known: buyer, bot, agent"),
])
def test_bad_statuses_and_roles_name_the_choices(store, action, message):
    with pytest.raises(ValueError, match=message):
        action(store)


def test_lists_newest_first_by_status(store):
    ids = [store.open_handoff(f"s{n}", f"q{n}").id for n in range(4)]
    store.claim_handoff(ids[1], "ann")
    store.close_handoff(ids[2], "ann")
    assert [h.id for h in store.list_handoffs()] == ids[::-1]
    assert [h.id for h in store.list_handoffs(limit=2)] == ids[:1:-1]
    assert [h.id for h in store.list_handoffs("open")] == [ids[3], ids[0]]
    assert [h.id for h in store.list_handoffs("claimed")] == [ids[1]]
    assert [h.id for h in store.list_handoffs("closed")] == [ids[2]]


def test_messages_are_polled_in_order(store):
    handoff = store.open_handoff("s", "q")
    sent = [store.add_handoff_message(handoff.id, role, f"message {n}")
            for n, role in enumerate(["buyer", "agent", "buyer", "bot"])]
    assert store.messages_after(handoff.id) == sent
    assert store.messages_after(handoff.id, sent[1].id) == sent[2:]
    assert store.messages_after(handoff.id, sent[-1].id) == []
    assert store.messages_after(store.open_handoff("t", "q").id) == []  # another hand-off's are not mixed in
    assert [m.to_dict()["role"] for m in sent] == ["buyer", "agent", "buyer", "bot"]


def test_concurrent_opens_make_one_handoff_and_one_claim_wins(backend):
    stores = [backend.store() for _ in range(4)]
    with ThreadPoolExecutor(8) as pool:
        opened = list(pool.map(lambda n: stores[n % 4].open_handoff("same", f"q{n}"), range(16)))
    assert len({h.id for h in opened}) == 1
    assert backend.rows("SELECT COUNT(*) FROM handoffs") == [(1,)]

    def claim(n: int) -> str:
        try:
            return stores[n % 4].claim_handoff(opened[0].id, f"agent-{n}").claimed_by or ""
        except HandoffConflict:
            return "conflict"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(8)))
    assert results.count("conflict") == 7
    assert store_claimed_by(stores[0], opened[0].id) in results


def store_claimed_by(store, handoff_id: int) -> str | None:
    handoff = store.get_handoff(handoff_id)
    return None if handoff is None else handoff.claimed_by


def test_a_poller_sees_every_message_once_while_writers_add_them(backend):
    """Ids handed out by concurrent writers must not commit out of order for one hand-off, or a
    poller asking "after my last id" would skip the one that committed late."""
    writers = [backend.store() for _ in range(4)]
    poller = backend.store()
    handoff = writers[0].open_handoff("s", "q")
    done = threading.Event()
    seen: list[int] = []

    def write(n: int) -> None:
        for k in range(25):
            writers[n].add_handoff_message(handoff.id, "buyer" if n % 2 else "agent", f"w{n} m{k}")

    def poll() -> None:
        last = 0
        while True:
            finished = done.is_set()
            for message in poller.messages_after(handoff.id, last):
                seen.append(message.id)
                last = message.id
            if finished:
                return

    polling = threading.Thread(target=poll)
    polling.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    done.set()
    polling.join(30)
    stored = [row[0] for row in backend.rows(f"SELECT id FROM handoff_messages WHERE handoff_id = {handoff.id}")]
    assert seen == sorted(stored) and len(seen) == 100


# -- the daily row cap ------------------------------------------------------------------------------

@pytest.mark.parametrize("write", ["feedback", "handoff", "message"])
def test_writes_beyond_the_daily_cap_are_refused(backend, write):
    store = backend.store(daily_rows_per_client=3)
    other_worker = backend.store(daily_rows_per_client=3)  # the count is in the database, not the process
    handoff = store.open_handoff("agent-side", None)  # no client: not counted

    def do(client: str | None, n: int) -> None:
        if write == "feedback":
            store.record_feedback(f"s{n}", "e", True, client=client)
        elif write == "handoff":
            other_worker.open_handoff(f"s{n}", "q", client=client)
        else:
            other_worker.add_handoff_message(handoff.id, "buyer", f"m{n}", client=client)

    for n in range(3):
        do("203.0.113.7", n)
    with pytest.raises(StoreQuotaError, match="3 rows for today"):
        do("203.0.113.7", 3)
    do("198.51.100.1", 4)  # another client has its own count
    do(None, 5)  # rows without a client key (agents, the CLI) are not capped
    assert "203.0.113.7" not in backend.dump()  # the counter keeps a hash, not the address
    assert isinstance(StoreQuotaError("x"), StoreError)


def test_gaps_beyond_the_cap_are_not_logged_and_reopening_costs_nothing(backend):
    store = backend.store(daily_rows_per_client=2)
    store.open_handoff("s", "q", client="c")
    for n in range(5):
        store.record_gap(f"question {n}", "fallback", 0.1, client="c")  # never raises
    assert store.report()["gaps_total"] == 1
    assert store.open_handoff("s", "again", client="c").session_id == "s"  # the live one, no new row
    with pytest.raises(StoreQuotaError):
        store.record_feedback("s", "e", True, client="c")


def test_the_cap_starts_again_each_day(backend, monkeypatch):
    store = backend.store(daily_rows_per_client=1)
    store.record_feedback("s", "e", True, client="c")
    with pytest.raises(StoreQuotaError):
        store.record_feedback("s", "e", True, client="c")
    today = sql_module._utc_day
    monkeypatch.setattr(sql_module, "_utc_day", lambda offset=0: today(offset + 1))
    store.record_feedback("s", "e", True, client="c")  # tomorrow
    monkeypatch.setattr(sql_module, "_utc_day", lambda offset=0: today(offset + 3))
    store.record_feedback("s", "e", True, client="d")  # a first row of the day drops old counters
    assert [row[0] for row in backend.rows("SELECT day FROM client_rows")] == [today(3)]
    assert store.report()["feedback_total"] == 3


# -- migrations -------------------------------------------------------------------------------------

def test_migrations_are_recorded_once_and_idempotent(store, backend):
    store.record_handoff("s")
    assert backend.rows("SELECT version FROM schema_migrations ORDER BY version") == [
        (m.version,) for m in MIGRATIONS]
    assert store.migrate() == [] and backend.store().migrate() == []
    assert backend.rows("SELECT COUNT(*) FROM schema_migrations") == [(LATEST,)]


def test_workers_migrating_at_once_apply_each_step_once(backend):
    stores = [backend.store() for _ in range(4)]
    start = threading.Barrier(len(stores))

    def migrate(store) -> list[int]:
        start.wait()
        return store.migrate()

    with ThreadPoolExecutor(len(stores)) as pool:
        applied = list(pool.map(migrate, stores))
    assert sorted(v for done in applied for v in done) == [m.version for m in MIGRATIONS]
    assert backend.rows("SELECT COUNT(*) FROM schema_migrations") == [(LATEST,)]
    for store in stores:
        store.record_feedback("s", "e", True)
    assert stores[0].report()["feedback_total"] == 4
