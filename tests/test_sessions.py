"""One contract for every session store (in process, and a real Redis), then each backend's own
rules: the memory store's bound, Redis' key layout and prefixes, and what an outage does."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis_fixtures import (REDIS_URL, RedisServer, private_redis, redis_clients, redis_prefix,  # noqa: F401
                            shared_redis)

from helpbot.models import Suggestion
from helpbot.redisconn import Outage
from helpbot.sessions import (MAX_HISTORY, MAX_SHOWN, MemorySessionStore, RedisSessionStore, Session,
                              SessionsUnavailable, decode, encode, note_shown, record_turn)
from helpbot.sessions.codec import SessionDecodeError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def full_session() -> Session:
    """Every field away from its default, with the value types tools put in params."""
    return Session(
        suggestions=[Suggestion("tt-fees", "What does T/T cost?"), Suggestion("ü-ñ", "Ünïcödé 🚚")],
        pending_tool="payment_arrival", tool_params={"paid_on": date(2026, 11, 20), "method": "boleto"},
        offered_tool="fee_estimate", offer_params={"order_amount": Decimal("5000.50"), "currency": "EUR"},
        last_tool="dispute_deadlines",
        last_params={"delivered_on": datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc), "n": 3, "x": 0.1,
                     "ok": True, "none": None, "list": [1, "a", date(2027, 1, 1)]},
        shown=["tt-fees", "boleto-time"], history=[("buyer", "how much is T/T?"), ("bot", "It costs…")],
        last_kind="clarify", last_question="how much is T/T?", last_entry="tt-fees")


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemorySessionStore()
    client = request.getfixturevalue("redis_clients")(REDIS_URL)
    return RedisSessionStore(client=client, prefix=request.getfixturevalue("redis_prefix"))


# -- the contract, for every backend ---------------------------------------------------------------

def test_an_unknown_session_loads_fresh(store):
    assert store.load("never-saved") == Session()


def test_a_saved_session_loads_back_equal_and_apart_from_others(store):
    store.save("a", full_session())
    assert store.load("a") == full_session()
    assert store.load("b") == Session()


def test_what_is_not_saved_is_not_kept(store):
    store.save("a", Session(last_tool="fee_estimate"))
    loaded = store.load("a")
    loaded.last_tool = "payment_arrival"
    assert store.load("a").last_tool == "fee_estimate"


def test_the_last_save_wins(store):
    store.save("a", Session(last_tool="fee_estimate"))
    store.save("a", Session(last_tool="payment_arrival"))
    assert store.load("a").last_tool == "payment_arrival"


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(),
    st.dates(),
    # fold (which of two repeated wall-clock hours) is not kept: tools never see a DST overlap.
    st.datetimes(timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-3))]))
    .map(lambda d: d.replace(fold=0)),
    st.decimals(allow_nan=False),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                                          max_size=3), max_leaves=8)
PARAMS = st.dictionaries(st.text(min_size=1, max_size=20), VALUES, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=PARAMS, title=st.text(), turn=st.text(max_size=100), session_id=st.uuids())
def test_params_round_trip_with_their_types(store, params, title, turn, session_id):
    session = Session(suggestions=[Suggestion("e-1", title)], pending_tool="fee_estimate", tool_params=params,
                      last_params=params, history=[("buyer", turn)])
    store.save(session_id.hex, session)
    loaded = store.load(session_id.hex)
    assert loaded == session
    assert repr(loaded) == repr(session)  # same types too: a Decimal stays a Decimal, 1.50 keeps its 0


def test_a_session_expires_ttl_after_its_last_save(request):
    """Memory on a test clock; Redis on its own clock with a short TTL (Redis expires the key)."""
    clock = Clock()
    memory = MemorySessionStore(ttl=60, clock=clock)
    memory.save("a", Session(last_tool="x"))
    clock.now = 59
    assert memory.load("a").last_tool == "x"
    memory.save("a", memory.load("a"))  # a message renews it
    clock.now = 59 + 59
    assert memory.load("a").last_tool == "x"
    clock.now = 59 + 61
    assert memory.load("a") == Session()

    redis_store = RedisSessionStore(client=request.getfixturevalue("redis_clients")(REDIS_URL),
                                    prefix=request.getfixturevalue("redis_prefix"), ttl=0.2)
    redis_store.save("a", Session(last_tool="x"))
    client = request.getfixturevalue("shared_redis")
    assert 0 < client.pttl(redis_store.key("a")) <= 200
    time.sleep(0.3)
    assert redis_store.load("a") == Session()
    assert client.exists(redis_store.key("a")) == 0


# -- what a session keeps --------------------------------------------------------------------------

def test_every_field_of_a_session_survives_the_codec():
    session = full_session()
    assert all(value != getattr(Session(), name) for name, value in asdict(session).items()), \
        "full_session() must set every field, so a field the codec forgets fails here"
    assert decode(encode(session)) == session


@pytest.mark.parametrize("bad", [object(), {1: "int key"}, {"a": {1, 2}}, b"bytes"])
def test_a_value_the_codec_cannot_tag_is_refused_when_saving(bad):
    with pytest.raises(TypeError, match="session cannot hold"):
        encode(Session(tool_params={"x": bad}))


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"v": 99}', '{"v": 1}',
                                  '{"v":1,"suggestions":[["a"]],"shown":[],"history":[]}'])
def test_a_stored_document_that_does_not_decode_is_an_error_the_store_can_catch(text):
    with pytest.raises(SessionDecodeError):
        decode(text)


def test_a_corrupt_key_in_redis_loads_as_a_fresh_session(redis_prefix, shared_redis, caplog, redis_clients):
    store = RedisSessionStore(client=redis_clients(REDIS_URL), prefix=redis_prefix)
    shared_redis.set(store.key("bad"), '{"v": 99, "from": "a newer release"}')
    assert store.load("bad") == Session()
    assert "does not decode" in caplog.text


def test_shown_keeps_the_most_recent_entries_without_repeats():
    session = Session()
    note_shown(session, [f"e{n}" for n in range(MAX_SHOWN + 10)])
    note_shown(session, ["e15"])  # shown again: moves to the end
    assert len(session.shown) == MAX_SHOWN and session.shown[-1] == "e15"
    assert session.shown.count("e15") == 1 and "e0" not in session.shown


def test_history_is_bounded_cleaned_and_never_holds_a_password():
    session = Session()
    for n in range(30):
        record_turn(session, f"question {n}", "answer " + "x" * 2000, secret=False)
    assert len(session.history) == MAX_HISTORY
    assert session.history[-2] == ("buyer", "question 29")
    assert all(len(text) <= 500 for _, text in session.history)
    record_turn(session, "Zq7!vortexPlume", "That password is strong.", secret=True)
    record_turn(session, "my password is hunter2abc", "Sorry?", secret=False)
    assert session.history[-4] == ("buyer", "[password check]")
    assert "hunter2abc" not in repr(session.history) and "Zq7!vortexPlume" not in repr(session.history)


# -- the in-process store --------------------------------------------------------------------------

def test_the_memory_store_is_bounded_and_drops_the_least_recently_saved():
    store = MemorySessionStore(max_sessions=3)
    for name in "abcd":
        store.save(name, Session(last_tool=name))
    assert len(store) == 3
    assert store.load("a") == Session()  # the oldest was dropped
    store.save("b", store.load("b"))  # b used again: c is now the oldest
    store.save("e", Session())
    assert store.load("c") == Session() and store.load("b").last_tool == "b"


def test_many_sessions_never_grow_past_the_bound():
    store = MemorySessionStore(max_sessions=100)
    for n in range(10_000):
        store.save(str(n), Session())
    assert len(store) == 100


def test_a_reload_gets_an_empty_memory_store_but_the_same_redis_store(redis_prefix, redis_clients):
    memory = MemorySessionStore(max_sessions=7, ttl=9)
    memory.save("a", Session(last_tool="x"))
    fresh = memory.fresh()
    assert fresh is not memory and len(fresh) == 0 and (fresh.max_sessions, fresh.ttl) == (7, 9)
    shared = RedisSessionStore(client=redis_clients(REDIS_URL), prefix=redis_prefix)
    assert shared.fresh() is shared  # one worker's reload must not wipe every worker's conversations


# -- Redis: keys, prefixes, outages ----------------------------------------------------------------

def test_one_key_per_session_under_the_prefix_with_the_ttl(redis_prefix, shared_redis, redis_clients):
    store = RedisSessionStore(client=redis_clients(REDIS_URL), prefix=redis_prefix, ttl=1800)
    store.save("s1", full_session())
    store.save("s2", Session())
    assert sorted(shared_redis.scan_iter(f"{redis_prefix}*")) == [store.key("s1"), store.key("s2")]
    assert 1790_000 < shared_redis.pttl(store.key("s1")) <= 1800_000


def test_prefixes_keep_installations_apart(redis_prefix, redis_clients):
    one = RedisSessionStore(client=redis_clients(REDIS_URL), prefix=redis_prefix + "one:")
    two = RedisSessionStore(client=redis_clients(REDIS_URL), prefix=redis_prefix + "two:")
    one.save("same-id", Session(last_tool="fee_estimate"))
    assert two.load("same-id") == Session()
    assert one.load("same-id").last_tool == "fee_estimate"


def test_redis_down_then_back_answers_fresh_logs_once_and_recovers(private_redis: RedisServer, caplog, redis_clients):
    caplog.set_level(logging.WARNING, logger="helpbot")
    store = RedisSessionStore(client=redis_clients(private_redis.url), outage=Outage("sessions", pause=0))
    store.save("a", Session(last_tool="fee_estimate"))
    private_redis.kill()
    for _ in range(20):  # every message still gets a session; nothing raises
        assert store.load("a") == Session()
        store.save("a", Session(last_tool="payment_arrival"))
    with pytest.raises(SessionsUnavailable):
        store.load("a", strict=True)
    assert caplog.text.count("Redis unavailable for sessions") == 1  # once per outage, not per request
    private_redis.start()  # an empty Redis again, as after a restart without persistence
    assert store.load("a") == Session()
    store.save("a", Session(last_tool="dispute_deadlines"))
    assert store.load("a").last_tool == "dispute_deadlines"
    assert "Redis reachable again for sessions" in caplog.text


def test_after_a_failure_redis_is_left_alone_for_the_pause(private_redis: RedisServer, redis_clients):
    clock = Clock()
    store = RedisSessionStore(client=redis_clients(private_redis.url), outage=Outage("sessions", pause=5, clock=clock))
    private_redis.kill()
    store.save("a", Session(last_tool="x"))  # fails: Redis is skipped for 5 s
    private_redis.start()
    store.save("a", Session(last_tool="during the pause"))  # skipped, though Redis is back
    assert store.load("a") == Session()
    clock.now = 5
    assert store.load("a") == Session()  # tried again: Redis answers (it is empty)
    store.save("a", Session(last_tool="after"))
    assert store.load("a").last_tool == "after"


def test_a_redis_that_never_answers_times_out_into_a_fresh_session(caplog, redis_clients):
    """A socket that accepts and then says nothing, as a hung or overloaded Redis does."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True)
    thread.start()
    try:
        store = RedisSessionStore(client=redis_clients(f"redis://127.0.0.1:{silent.getsockname()[1]}/0"))
        assert store.load("a") == Session()
        store.save("a", Session(last_tool="x"))  # skipped during the pause; no error either way
        assert "Redis unavailable for sessions (TimeoutError" in caplog.text
    finally:
        for conn in accepted:
            conn.close()
        silent.close()


# -- the Bot with a store --------------------------------------------------------------------------

def test_the_bot_saves_what_a_session_was_shown_and_said(small_bot):
    bot = small_bot.with_sessions(MemorySessionStore())
    reply = bot.ask("swift code", session_id="s")
    saved = bot.sessions.load("s")
    shown = [reply.entry_id] if reply.entry_id else []
    assert saved.shown == shown + [s.entry_id for s in reply.suggestions] and saved.shown
    assert saved.history[0] == ("buyer", "swift code") and saved.history[1][0] == "bot"
    assert small_bot.sessions.load("s") == Session()  # the original Bot's store was not used


def test_a_stored_session_naming_a_tool_this_release_lacks_is_still_answered(small_bot):
    """Saved by a worker of another release during a rolling deploy."""
    bot = small_bot.with_sessions(MemorySessionStore())
    bot.sessions.save("old", Session(pending_tool="retired_tool", tool_params={"x": 1}, offered_tool="gone",
                                     last_tool="also_gone", last_params={"y": 2}))
    assert bot.ask("swift code", session_id="old").text
    saved = bot.sessions.load("old")
    assert (saved.pending_tool, saved.tool_params, saved.last_tool, saved.last_params) == (None, {}, None, {})
