"""A published reload reaches every worker: the broadcast backends against the real servers
(Redis, PostgreSQL, and the SQLite file), then two Flask apps standing for two workers.

Every backend passes one contract: what one instance publishes, another sees; workers' reports
are shared per reload; a listener hears each new publication once and never the one it already
serves. Redis adds pub/sub (a listener wakes without waiting for its poll) and catching up after
Redis lost its keys. Isolation: a Redis key prefix and a PostgreSQL schema per test, removed after.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import BROKEN_YAML, NEW_ENTRY, clean_env  # noqa: F401

from helpbot import cache
from helpbot.bot import Bot
from helpbot.broadcast import LocalBroadcast, Published, host_build_lock
from helpbot.broadcast_backends import PostgresBroadcast, RedisBroadcast, SqliteBroadcast, broadcast_for
from helpbot.web import create_app

REDIS_URL = os.environ.get("HELPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DATABASE_URL = os.environ.get("HELPBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = "broadcast-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}); CI starts it")
    prefix = f"helpbot-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema, and a URL whose connections use it."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {DATABASE_URL} is unreachable ({exc}); CI starts it")
    schema = f"broadcast_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in DATABASE_URL else "?"
    yield f"{DATABASE_URL}{separator}options=-csearch_path%3D{schema}"
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def make_broadcast(request, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """A factory of backend instances that share one store, as the workers of a fleet do."""
    made: list[Any] = []
    if request.param == "sqlite":
        def make(**options: Any) -> Any:
            return SqliteBroadcast(tmp_path / "shared.sqlite3", **options)
    elif request.param == "postgresql":
        url = request.getfixturevalue("pg_url")

        def make(**options: Any) -> Any:
            return PostgresBroadcast(url, **options)
    else:
        prefix = request.getfixturevalue("redis_prefix")

        def make(**options: Any) -> Any:
            return RedisBroadcast(REDIS_URL, prefix=prefix, **options)

    def tracked(**options: Any) -> Any:
        made.append(make(**options))
        return made[-1]

    yield tracked
    for broadcast in made:
        broadcast.stop()


class Heard:
    """What a listener was told, in order."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, published: Published) -> None:
        with self.lock:
            self.ids.append(published.reload_id)

    def got(self, *ids: str) -> Callable[[], bool]:
        return lambda: self.ids[: len(ids)] == list(ids)


# -- the contract, on every backend ---------------------------------------------------------------

def test_what_one_instance_publishes_another_sees(make_broadcast):
    publisher, other = make_broadcast(), make_broadcast()
    assert other.latest() is None
    first = publisher.publish("reload-1")
    assert (first.version, first.reload_id) == (1, "reload-1")
    assert other.latest() == first
    second = other.publish("reload-2")
    assert second.version == 2 and publisher.latest() == second


def test_reports_are_shared_per_reload(make_broadcast):
    one, two = make_broadcast(), make_broadcast()
    one.report("r1", "host-a:1", {"state": "building"})
    two.report("r1", "host-b:2", {"state": "done", "entries": 9})
    one.report("r1", "host-a:1", {"state": "done", "entries": 9})  # a later report replaces the earlier
    assert two.reports("r1") == {"host-a:1": {"state": "done", "entries": 9},
                                 "host-b:2": {"state": "done", "entries": 9}}
    assert one.reports("another") == {}


def test_a_listener_hears_each_new_publication_once_and_not_the_one_it_serves(make_broadcast):
    publisher, listener = make_broadcast(), make_broadcast(poll_seconds=0.1)
    served = publisher.publish("serving-now")
    heard = Heard()
    listener.listen(heard, seen=served.reload_id)
    publisher.publish("next-1")
    assert wait_for(heard.got("next-1"))
    publisher.publish("next-2")
    assert wait_for(heard.got("next-1", "next-2"))
    time.sleep(0.5)  # several more polls: nothing is heard twice
    assert heard.ids == ["next-1", "next-2"]
    with pytest.raises(RuntimeError, match="already has a listener"):
        listener.listen(heard)


# -- Redis: pub/sub and catching up -----------------------------------------------------------------

def test_redis_pubsub_wakes_a_listener_before_its_poll(redis_prefix):
    listener = RedisBroadcast(REDIS_URL, prefix=redis_prefix, poll_seconds=60)
    publisher = RedisBroadcast(REDIS_URL, prefix=redis_prefix)
    heard = Heard()
    try:
        listener.listen(heard)
        assert wait_for(lambda: listener._pubsub is not None)  # subscribed (after its first read)
        publisher.publish("woken")
        assert wait_for(heard.got("woken"), timeout=20)  # well before the 60 s poll
    finally:
        listener.stop()
        publisher.stop()


def test_redis_that_lost_its_keys_is_no_false_alarm_and_later_publications_count(redis_prefix):
    import redis

    listener = RedisBroadcast(REDIS_URL, prefix=redis_prefix, poll_seconds=0.1)
    publisher = RedisBroadcast(REDIS_URL, prefix=redis_prefix)
    heard = Heard()
    try:
        listener.listen(heard, seen=publisher.publish("before-restart").reload_id)
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(*client.scan_iter(f"{redis_prefix}*"))  # what a restart without persistence leaves
        client.close()
        time.sleep(0.5)
        assert heard.ids == []
        assert publisher.publish("after-restart").version == 1  # the counter started again
        assert wait_for(heard.got("after-restart"))
    finally:
        listener.stop()
        publisher.stop()


# -- choosing a backend -------------------------------------------------------------------------------

@pytest.mark.parametrize("config, kind", [
    ({"SESSION_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgresql://u@h/db"}, RedisBroadcast),
    ({"SESSION_URL": "memory:", "DATABASE_URL": "postgresql://u@h/db"}, PostgresBroadcast),
    ({"DATABASE_URL": "postgres://u@h/db"}, PostgresBroadcast),
    ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3", "DB_PATH": "/tmp/other.sqlite3"}, SqliteBroadcast),
    ({"DB_PATH": "/tmp/x.sqlite3"}, SqliteBroadcast),
    ({}, LocalBroadcast),
])
def test_the_backend_follows_the_urls(config, kind):
    broadcast = broadcast_for(config)
    assert type(broadcast) is kind
    broadcast.close()


def test_sqlite_url_and_poll_setting_are_used():
    broadcast = broadcast_for({"DATABASE_URL": "sqlite:////srv/helpbot.db", "RELOAD_POLL_SECONDS": 0.5})
    assert broadcast.path == "/srv/helpbot.db" and broadcast.poll_seconds == 0.5


def test_a_backend_that_is_down_reads_as_none_and_publishing_raises(tmp_path):
    down = RedisBroadcast("redis://127.0.0.1:1/0")
    assert down.safe_latest() is None  # a worker keeps serving; the listener retries
    with pytest.raises(Exception, match="(?i)connect"):
        down.publish("x")
    down.close()


def test_builds_of_one_host_take_turns():
    """While one worker builds, a sibling cannot take the lock (it waits, then loads the cache)."""
    with host_build_lock():
        with open(cache.default_dir() / "build.lock", "a+") as other:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(cache.default_dir() / "build.lock", "a+") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: free again


# -- two apps: two workers of a fleet --------------------------------------------------------------

def worker_app(tmp_path: Path, name: str, kb: Path, intents: Path, bot: Bot, **config: Any):
    settings = {"DB_PATH": str(tmp_path / f"{name}.sqlite3"), "RATE_LIMIT": "off", "TESTING": True,
                "RELOAD_BROADCAST": True, "RELOAD_JITTER": 0, "RELOAD_POLL_SECONDS": 0.1, "WORKER_NAME": name,
                "ADMIN_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(kb), "INTENTS_DIR": str(intents), **config}
    return create_app(settings, bot=bot)


def entry_ids(app) -> set[str]:
    return {e["id"] for e in app.test_client().get("/api/entries").get_json()["entries"]}


@pytest.fixture(params=["redis", "postgresql"])
def fleet_config(request) -> dict[str, Any]:
    if request.param == "redis":
        return {"SESSION_URL": REDIS_URL, "BROADCAST_PREFIX": request.getfixturevalue("redis_prefix")}
    return {"DATABASE_URL": request.getfixturevalue("pg_url")}


def stop_listening(*apps: Any) -> None:
    for app in apps:
        app.extensions["helpbot"].reloader.broadcast.stop()


def test_a_reload_published_on_one_worker_reaches_the_other(tmp_path, kb_copy, fixture_intents, small_bot,
                                                             fleet_config, clean_env):
    one = worker_app(tmp_path, "worker-1", kb_copy, fixture_intents, small_bot, **fleet_config)
    two = worker_app(tmp_path, "worker-2", kb_copy, fixture_intents, small_bot, **fleet_config)
    try:
        before = entry_ids(two)
        (kb_copy / "account.yaml").write_text((kb_copy / "account.yaml").read_text() + NEW_ENTRY)
        response = one.test_client().post("/admin/reload", headers=AUTH)
        assert response.status_code == 202
        reload_id = response.get_json()["id"]
        assert response.get_json()["published"]["reload_id"] == reload_id
        assert wait_for(lambda: entry_ids(two) == before | {"reload-new-entry"})
        status_url = f"/admin/reload/{reload_id}"
        assert wait_for(lambda: two.test_client().get(status_url, headers=AUTH).get_json()["state"] == "done")
        fleet = two.test_client().get(status_url, headers=AUTH).get_json()
        assert set(fleet["workers"]) == {"worker-1", "worker-2"}
        assert fleet["workers"]["worker-2"]["reason"] == "published"
        assert len({w["fingerprint"] for w in fleet["workers"].values()}) == 1  # both built the same files
        time.sleep(0.5)  # more polls: the publisher does not rebuild its own publication again
        assert one.extensions["helpbot"].reloader.generation == 1
        assert two.extensions["helpbot"].reloader.generation == 1
    finally:
        stop_listening(one, two)


def test_the_fleet_status_says_failed_when_one_worker_cannot_load(tmp_path, kb_copy, fixture_intents, small_bot,
                                                                   fleet_config, clean_env):
    broken_kb = tmp_path / "broken-kb"
    broken_kb.mkdir()
    for path in kb_copy.glob("*.yaml"):
        (broken_kb / path.name).write_text(path.read_text())
    one = worker_app(tmp_path, "good", kb_copy, fixture_intents, small_bot, **fleet_config)
    two = worker_app(tmp_path, "broken", broken_kb, fixture_intents, small_bot, **fleet_config)
    served = two.extensions["helpbot"].bot  # (with Redis sessions: a copy of small_bot sharing them)
    try:
        (broken_kb / "account.yaml").write_text(BROKEN_YAML)  # after it started: its reload fails
        reload_id = one.test_client().post("/admin/reload", headers=AUTH).get_json()["id"]
        url = f"/admin/reload/{reload_id}"

        def both_finished() -> bool:
            workers = one.test_client().get(url, headers=AUTH).get_json()["workers"]
            return len(workers) == 2 and all(w["state"] != "building" for w in workers.values())

        assert wait_for(both_finished)
        fleet = one.test_client().get(url, headers=AUTH).get_json()
        assert fleet["state"] == "failed"
        assert fleet["workers"]["good"]["state"] == "done"
        assert "account.yaml:4" in fleet["workers"]["broken"]["error"]
        assert two.extensions["helpbot"].bot is served  # still serving what it had
    finally:
        stop_listening(one, two)
