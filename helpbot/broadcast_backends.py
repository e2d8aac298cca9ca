"""Where a published reload is kept: Redis, PostgreSQL or the SQLite file (see :mod:`helpbot.broadcast`).

Every backend keeps the same two things: the latest publication (one row, or one Redis key,
written atomically so two publishers never interleave) and each worker's report of each reload.
The drivers (redis-py, psycopg 3) are imported when a backend is made, so a SQLite-only install
needs neither.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from helpbot.broadcast import STATUS_TTL_SECONDS, Broadcast, LocalBroadcast, Published

log = logging.getLogger(__name__)

# One row (id = 1) holds the latest publication; the version grows by one per publication.
_SQL_TABLES = (
    "CREATE TABLE IF NOT EXISTS helpbot_reload_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "version BIGINT NOT NULL, reload_id TEXT NOT NULL, published_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS helpbot_reload_status (reload_id TEXT NOT NULL, worker TEXT NOT NULL, "
    "status TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (reload_id, worker))",
)
_SQL_PUBLISH = (
    "INSERT INTO helpbot_reload_version (id, version, reload_id, published_at) VALUES (1, 1, {p}, {p}) "
    "ON CONFLICT (id) DO UPDATE SET version = helpbot_reload_version.version + 1, "
    "reload_id = excluded.reload_id, published_at = excluded.published_at "
    "RETURNING version, reload_id, published_at"
)
_SQL_LATEST = "SELECT version, reload_id, published_at FROM helpbot_reload_version WHERE id = 1"
_SQL_REPORT = (
    "INSERT INTO helpbot_reload_status (reload_id, worker, status, updated_at) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (reload_id, worker) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at"
)
_SQL_PRUNE = "DELETE FROM helpbot_reload_status WHERE updated_at < {p}"
_SQL_REPORTS = "SELECT worker, status FROM helpbot_reload_status WHERE reload_id = {p} ORDER BY worker"


def _published(row: Any) -> Published | None:
    return Published(int(row[0]), str(row[1]), float(row[2])) if row else None


class SqliteBroadcast(Broadcast):
    """The row in the SQLite file every process on this host shares (the store's file)."""

    name = "sqlite"

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(**options)
        self.path = str(path)
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)  # autocommit: each write commits
        if not self._ready:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            for statement in _SQL_TABLES:
                conn.execute(statement)
            self._ready = True
        return conn

    def publish(self, reload_id: str) -> Published:
        with closing(self._connect()) as conn:
            return _published(conn.execute(_SQL_PUBLISH.format(p="?"), (reload_id, time.time())).fetchone())

    def latest(self) -> Published | None:
        with closing(self._connect()) as conn:
            return _published(conn.execute(_SQL_LATEST).fetchone())

    def report(self, reload_id: str, worker: str, status: Mapping[str, Any]) -> None:
        now = time.time()
        with closing(self._connect()) as conn:
            conn.execute(_SQL_REPORT.format(p="?"), (reload_id, worker, json.dumps(dict(status)), now))
            conn.execute(_SQL_PRUNE.format(p="?"), (now - STATUS_TTL_SECONDS,))

    def reports(self, reload_id: str) -> dict[str, dict[str, Any]]:
        with closing(self._connect()) as conn:
            rows = conn.execute(_SQL_REPORTS.format(p="?"), (reload_id,)).fetchall()
        return {worker: json.loads(status) for worker, status in rows}


class PostgresBroadcast(Broadcast):
    """The same row in PostgreSQL, polled; one connection per process, made again after an outage."""

    name = "postgresql"

    def __init__(self, url: str, *, connect_timeout: int = 3, **options: Any) -> None:
        import psycopg  # noqa: PLC0415  (only a PostgreSQL fleet needs the driver)

        super().__init__(**options)
        self._psycopg = psycopg
        self.url = url
        self.connect_timeout = connect_timeout
        self._conn: Any = None
        self._lock = threading.Lock()  # the poll thread and request threads share the connection

    def _execute(self, sql: str, params: tuple = (), *, fetch: str = "none") -> Any:
        with self._lock:
            for attempt in (1, 2):  # a connection dropped by a server restart is made again once
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = self._psycopg.connect(self.url, autocommit=True,
                                                           connect_timeout=self.connect_timeout)
                        for statement in _SQL_TABLES:
                            try:
                                self._conn.execute(statement)
                            except self._psycopg.errors.UniqueViolation:
                                pass  # another worker created it at the same moment (IF NOT EXISTS races)
                    cursor = self._conn.execute(sql, params)
                    return cursor.fetchone() if fetch == "one" else cursor.fetchall() if fetch == "all" else None
                except self._psycopg.OperationalError:
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
        return None

    def publish(self, reload_id: str) -> Published:
        return _published(self._execute(_SQL_PUBLISH.format(p="%s"), (reload_id, time.time()), fetch="one"))

    def latest(self) -> Published | None:
        return _published(self._execute(_SQL_LATEST, fetch="one"))

    def report(self, reload_id: str, worker: str, status: Mapping[str, Any]) -> None:
        now = time.time()
        self._execute(_SQL_REPORT.format(p="%s"), (reload_id, worker, json.dumps(dict(status)), now))
        self._execute(_SQL_PRUNE.format(p="%s"), (now - STATUS_TTL_SECONDS,))

    def reports(self, reload_id: str) -> dict[str, dict[str, Any]]:
        rows = self._execute(_SQL_REPORTS.format(p="%s"), (reload_id,), fetch="all") or []
        return {worker: json.loads(status) for worker, status in rows}

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


# Atomic: the counter and the latest publication move together, and the message goes out after.
_REDIS_PUBLISH = """
local version = redis.call('INCR', KEYS[1])
local latest = cjson.encode({version = version, reload_id = ARGV[1], published_at = tonumber(ARGV[2])})
redis.call('SET', KEYS[2], latest)
redis.call('PUBLISH', KEYS[3], latest)
return latest
"""


class RedisBroadcast(Broadcast):
    """Redis pub/sub to wake every listener at once, plus the latest publication under a key,
    read on every poll, so a missed message (a worker restarting, Redis restarting) is caught up."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "helpbot:", **options: Any) -> None:
        import redis  # noqa: PLC0415  (only a Redis fleet needs the driver)

        super().__init__(**options)
        self._redis = redis
        self.client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3,
                                           health_check_interval=30)
        self.keys = {name: f"{prefix}reload:{name}" for name in ("version", "latest", "channel")}
        self.prefix = prefix
        self._pubsub: Any = None

    def publish(self, reload_id: str) -> Published:
        latest = self.client.eval(_REDIS_PUBLISH, 3, self.keys["version"], self.keys["latest"],
                                  self.keys["channel"], reload_id, repr(time.time()))
        return self._decode(latest)

    @staticmethod
    def _decode(raw: Any) -> Published | None:
        if not raw:
            return None
        data = json.loads(raw)
        return Published(int(data["version"]), str(data["reload_id"]), float(data["published_at"]))

    def latest(self) -> Published | None:
        return self._decode(self.client.get(self.keys["latest"]))

    def _status_key(self, reload_id: str) -> str:
        return f"{self.prefix}reload:status:{reload_id}"

    def report(self, reload_id: str, worker: str, status: Mapping[str, Any]) -> None:
        key = self._status_key(reload_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, worker, json.dumps(dict(status)))
            pipe.expire(key, STATUS_TTL_SECONDS)
            pipe.execute()

    def reports(self, reload_id: str) -> dict[str, dict[str, Any]]:
        found = self.client.hgetall(self._status_key(reload_id))
        return {worker.decode(): json.loads(status) for worker, status in sorted(found.items())}

    def wait(self, seconds: float) -> None:
        """Until a message arrives or the poll interval passes; without Redis, just sleep."""
        try:
            if self._pubsub is None:
                self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(self.keys["channel"])
            deadline = time.monotonic() + seconds
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self._pubsub.get_message(timeout=min(0.5, max(0.0, deadline - time.monotonic()))):
                    return  # a publication: the caller reads the latest at once
        except self._redis.RedisError as exc:
            log.warning("reload broadcast (redis): subscription lost, polling until it is back: %s", exc)
            self._drop_pubsub()
            self._stop.wait(seconds)

    def _drop_pubsub(self) -> None:
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except self._redis.RedisError:
                pass
            self._pubsub = None

    def close(self) -> None:
        self._drop_pubsub()
        self.client.close()


def broadcast_for(config: Mapping[str, Any], **options: Any) -> Broadcast:
    """The backend the settings point at: Redis when ``SESSION_URL`` is Redis, else PostgreSQL
    when ``DATABASE_URL`` is, else the SQLite file (``DATABASE_URL`` sqlite:///PATH, else
    ``DB_PATH``), else (no file at all) this process only. Config keys (not environment
    variables): ``BROADCAST_PREFIX`` prefixes the Redis keys (fleets or tests sharing one Redis),
    ``RELOAD_POLL_SECONDS`` sets how often listeners read the latest publication."""
    if config.get("RELOAD_POLL_SECONDS") is not None:
        options.setdefault("poll_seconds", float(config["RELOAD_POLL_SECONDS"]))
    session_url = str(config.get("SESSION_URL") or "memory:")
    database_url = str(config.get("DATABASE_URL") or "")
    if session_url.startswith(("redis://", "rediss://")):
        return RedisBroadcast(session_url, prefix=str(config.get("BROADCAST_PREFIX") or "helpbot:"), **options)
    if database_url.startswith(("postgresql://", "postgres://")):
        return PostgresBroadcast(database_url, **options)
    if database_url.startswith("sqlite:///"):
        return SqliteBroadcast(database_url.removeprefix("sqlite:///"), **options)
    if config.get("DB_PATH"):
        return SqliteBroadcast(str(config["DB_PATH"]), **options)
    return LocalBroadcast(**options)
