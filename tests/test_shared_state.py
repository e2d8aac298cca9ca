"""Two apps sharing one Redis, as two gunicorn workers (or two hosts) do: a conversation goes on
whichever app gets the next message, a password prompt answered on the other app is checked and
stored nowhere (not in Redis, not in the database), votes count only for entries the session was
shown, rate limits are per client across both, and a Redis outage costs conversations their
state but never an answer."""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from redis_fixtures import REDIS_URL, RedisServer, private_redis, redis_prefix, shared_redis  # noqa: F401

from web_fixtures import SECRET, check_error, check_openapi, clean_env, make_app  # noqa: F401

redis = pytest.importorskip("redis")

CLARIFIED = "order"  # the bundled knowledge offers articles to pick from (a fallback with guesses)
ANSWERED = ("How long does a T/T payment take to reach the supplier?", "tt-payment-arrival-time")


def two_apps(tmp_path: Path, bot: Any, url: str, prefix: str = "helpbot:", **config: Any):
    """Two apps on one bot object, one database and one Redis: two workers of one server."""
    apps = [make_app(tmp_path, bot, SESSION_URL=url, REDIS_PREFIX=prefix, **config) for _ in range(2)]
    yield [app.test_client() for app in apps]
    for app in apps:
        app.extensions["helpbot"].bot.sessions.client.close()


@pytest.fixture
def workers(tmp_path, bot, redis_prefix, clean_env):
    yield from two_apps(tmp_path, bot, REDIS_URL, redis_prefix)


def ask(client, question: str, session_id: str | None = None) -> dict[str, Any]:
    response = client.post("/api/ask", json={"question": question, **({"session_id": session_id} if session_id
                                                                        else {})})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def clarify_then_pick(a, b) -> tuple[dict[str, Any], dict[str, Any]]:
    first = ask(a, CLARIFIED)
    assert first["kind"] in ("clarify", "fallback") and len(first["suggestions"]) >= 2
    return first, ask(b, "the second one", first["session_id"])


def test_a_follow_up_continues_on_the_other_worker(workers):
    a, b = workers
    for _ in range(10):  # each pair split across the two workers
        first, picked = clarify_then_pick(a, b)
        assert picked["kind"] == "answer" and picked["entry_id"] == first["suggestions"][1]["entry_id"]


def test_the_apps_own_sessions_are_in_redis_not_in_the_shared_bot(workers, bot, redis_prefix, shared_redis):
    a, _ = workers
    session = ask(a, CLARIFIED)["session_id"]
    assert shared_redis.exists(f"{redis_prefix}session:{session}") == 1
    assert bot.sessions.load(session).suggestions == []  # the given Bot's own store was left alone


def test_a_password_typed_on_the_other_worker_is_checked_and_stored_nowhere(tmp_path, bot, private_redis, clean_env):
    commands: list[str] = []
    watcher = threading.Thread(target=_record_commands, args=(private_redis.url, commands, ready := threading.Event()),
                               daemon=True)
    watcher.start()
    assert ready.wait(10)
    apps = two_apps(tmp_path, bot, private_redis.url)
    a, b = next(apps)
    prompt = ask(a, "check my password")
    assert prompt["tool"] == "password_check" and prompt["secret_next"] is True
    checked = ask(b, SECRET, prompt["session_id"])
    assert checked["kind"] == "tool" and checked["tool"] == "password_check" and checked["result"] is not None
    assert SECRET not in str(checked)
    history = a.application.extensions["helpbot"].bot.sessions.load(prompt["session_id"]).history
    # Both buyer turns went to the checker, so neither is kept (a first message may hold the password).
    assert [turn for turn in history if turn[0] == "buyer"] == [("buyer", "[password check]")] * 2
    assert len(history) == 4
    with redis.Redis.from_url(private_redis.url, decode_responses=True) as probe:
        probe.echo("end of recording")
        watcher.join(10)
        stored = {key: probe.get(key) for key in probe.scan_iter("*")}
    next(apps, None)
    assert any(c.startswith("SET ") for c in commands), commands[:5]  # the recording saw the saves
    assert not [c for c in commands if SECRET in c]  # no command carried it, not even briefly
    assert stored and not [k for k, v in stored.items() if SECRET in k + v]
    with closing(sqlite3.connect(tmp_path / "helpbot.sqlite3")) as db:
        rows = [db.execute(f"SELECT * FROM {t}").fetchall() for t in ("feedback", "handoffs", "gaps")]
    assert SECRET not in repr(rows)
    for path in tmp_path.glob("helpbot.sqlite3*"):
        assert SECRET.encode() not in path.read_bytes()


def _record_commands(url: str, commands: list[str], ready: threading.Event) -> None:
    """Every command Redis receives (MONITOR), until "end of recording"."""
    with redis.Redis.from_url(url, decode_responses=True) as client, client.monitor() as monitor:
        ready.set()
        for item in monitor.listen():
            commands.append(item["command"])
            if "end of recording" in item["command"]:
                return


# -- votes -----------------------------------------------------------------------------------------

def test_a_vote_counts_only_for_an_entry_the_session_was_shown(workers):
    a, b = workers
    question, entry = ANSWERED
    never = ask(a, "hello")["session_id"]
    body = {"session_id": never, "entry_id": entry, "helpful": True}
    message = check_error(b.post("/api/feedback", json=body), 409, "entry_not_shown", "/api/feedback", "post")
    assert "ask your question first" in message
    answered = ask(a, question)
    assert answered["entry_id"] == entry
    vote = b.post("/api/feedback", json={**body, "session_id": answered["session_id"]})  # the other worker
    assert check_openapi(vote, "/api/feedback", "post") == {"saved": True} and vote.status_code == 201
    offered = ask(a, CLARIFIED)  # an article offered as a suggestion may be rated too
    assert b.post("/api/feedback", json={"session_id": offered["session_id"], "helpful": False,
                                         "entry_id": offered["suggestions"][0]["entry_id"]}).status_code == 201


# -- rate limits across workers --------------------------------------------------------------------

def test_the_rate_limit_is_per_client_across_workers(tmp_path, bot, redis_prefix, clean_env):
    a, b = next(two_apps(tmp_path, bot, REDIS_URL, redis_prefix, RATE_LIMIT="3/minute"))
    assert [c.get("/api/search?q=refund").status_code for c in (a, b, a)] == [200, 200, 200]
    response = b.post("/api/ask", json={"question": "hi"})
    message = check_error(response, 429, "rate_limited", "/api/ask", "post")
    assert 1 <= int(response.headers["Retry-After"]) <= 20 and "try again" in message
    check_error(a.post("/api/tools/fee_estimate", json={"order_amount": 5}), 429, "rate_limited",
                "/api/tools/fee_estimate", "post")
    other = b.post("/api/ask", json={"question": "hi"}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 200


def test_votes_and_hand_offs_share_the_write_limit_across_workers(tmp_path, bot, redis_prefix, clean_env):
    a, b = next(two_apps(tmp_path, bot, REDIS_URL, redis_prefix, WRITE_RATE_LIMIT="2/minute"))
    question, entry = ANSWERED
    session = ask(a, question)["session_id"]
    assert a.post("/api/handoff", json={"session_id": session}).status_code == 200
    assert b.post("/api/feedback", json={"session_id": session, "entry_id": entry, "helpful": True}).status_code == 201
    response = a.post("/api/handoff", json={"session_id": session})
    check_error(response, 429, "rate_limited", "/api/handoff", "post")
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    check_error(b.post("/api/feedback", json={"session_id": session, "entry_id": entry, "helpful": True}),
                429, "rate_limited", "/api/feedback", "post")
    # Over the write limit, asking for an agent in the chat still gets the agent; only the row is skipped.
    reply = ask(b, "I want to talk to a human agent", session)
    assert reply["kind"] == "handoff"
    with closing(sqlite3.connect(tmp_path / "helpbot.sqlite3")) as db:
        assert db.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0] == 1
    assert ask(a, "hello")["kind"]  # reading has its own budget


# -- Redis outage ----------------------------------------------------------------------------------

def test_redis_down_answers_flow_and_conversations_recover_by_themselves(tmp_path, bot, private_redis: RedisServer,
                                                                         clean_env, caplog):
    caplog.set_level(logging.WARNING, logger="helpbot")
    apps = two_apps(tmp_path, bot, private_redis.url, RATE_LIMIT="1000/minute")
    a, b = next(apps)
    first, picked = clarify_then_pick(a, b)
    assert picked["entry_id"] == first["suggestions"][1]["entry_id"]
    question, entry = ANSWERED
    answered = ask(a, question)

    private_redis.kill()
    for n in range(10):  # every message answered (a fresh conversation each), never a 5xx
        ask((a, b)[n % 2], CLARIFIED if n % 2 == 0 else "the second one", first["session_id"])
    assert a.get("/api/search?q=refund").status_code == 200  # the limit counts per worker meanwhile
    vote = b.post("/api/feedback", json={"session_id": answered["session_id"], "entry_id": entry, "helpful": True})
    check_error(vote, 503, "sessions_unavailable", "/api/feedback", "post")  # cannot tell what it was shown
    assert vote.headers["Retry-After"]
    warnings = caplog.text.count("Redis unavailable for sessions")
    assert 1 <= warnings <= 2  # once per worker for the whole outage, not once per request

    private_redis.start()  # empty: conversations from before the outage are gone
    for _ in range(100):  # each worker tries Redis again a moment after its last failure
        first, picked = clarify_then_pick(a, b)
        if picked["kind"] == "answer" and picked["entry_id"] == first["suggestions"][1]["entry_id"]:
            break
        threading.Event().wait(0.1)
    else:
        pytest.fail("conversations did not continue across workers after Redis came back")
    assert "Redis reachable again for sessions" in caplog.text
    next(apps, None)
