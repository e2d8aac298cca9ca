"""``PostgresStore``: the Store on PostgreSQL, shared by every worker on every host.

psycopg 3 with a small ``psycopg_pool.ConnectionPool`` per process, opened on first use (and
again in a process forked after that), so a bad URL or a server that is down never stops the
app from starting: calls raise :class:`StoreError` until the server answers, then work.
Timeouts keep a failing database from holding requests: a connection must come within
``timeout`` seconds, a statement may run 5 s, a row lock is waited for 2 s.

Writes commit before the method returns, at ``synchronous_commit = on`` (PostgreSQL's default:
the commit is on disk) for votes and hand-offs; the content-gap log and password-prompt notes
commit with ``synchronous_commit = off`` (analytics and guards nobody was told were saved, as
SQLite's NORMAL sync). The schema steps of :mod:`helpbot.store.migrations` are applied on first
use in one transaction holding an advisory lock of the schema, so workers that start together
apply each step once. Tables live in the connection's ``search_path`` schema, so one database
can hold several installations (and the tests' throw-away schemas).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from helpbot.store.base import mask_url
from helpbot.store.errors import StoreError
from helpbot.store.migrations import LATEST, apply_pending
from helpbot.store.sql import SqlStore, Tx

log = logging.getLogger(__name__)
T = TypeVar("T")
STATEMENT_TIMEOUT_MS = 5000
LOCK_TIMEOUT_MS = 2000
MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('helpbot schema ' || coalesce(current_schema(), '')))"


class _Tx:
    """A psycopg connection that takes the ``?`` placeholders of the shared SQL."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), params)


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    conn.commit()


class PostgresStore(SqlStore):
    """A Store in a PostgreSQL database (``postgresql://USER@HOST:PORT/DB``)."""

    def __init__(self, url: str, *, pool_size: int = 4, timeout: float = 3.0,
                 daily_rows_per_client: int | None = None) -> None:
        # Nothing is opened here: a bad URL or a down server must not stop the app from starting.
        super().__init__(daily_rows_per_client=daily_rows_per_client)
        self.url = url
        self.pool_size = pool_size
        self.timeout = timeout
        self._pool: ConnectionPool | None = None
        self._pid = 0
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresStore({mask_url(self.url)!r})"

    def describe(self) -> str:
        return f"PostgreSQL {mask_url(self.url)}"

    def _fail(self, exc: BaseException) -> StoreError:
        # The primary message only: a DETAIL line may quote a row's values (user text).
        diag = getattr(exc, "diag", None)
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        text = getattr(diag, "message_primary", None) or first_line
        return StoreError(f"database {mask_url(self.url)} unavailable: {text}")

    def _get_pool(self) -> ConnectionPool:
        if self._pool is not None and self._pid == os.getpid():
            return self._pool
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                # A pool inherited through fork() shares its sockets with the parent: drop it, unclosed.
                conninfo_to_dict(self.url)  # a malformed URL fails here, clearly, not in a pool thread
                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=self.pool_size, timeout=self.timeout, open=False,
                    kwargs={"connect_timeout": max(1, round(self.timeout))}, configure=_configure,
                    check=ConnectionPool.check_connection, max_idle=300, reconnect_timeout=60, num_workers=2,
                    name="helpbot-store")
                self._pool.open(wait=False)
                self._pid = os.getpid()
                self._ready = False
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None

    def _run(self, action: Callable[[Tx], T], *, durable: bool = True, read_only: bool = False) -> T:
        try:
            pool = self._get_pool()
            if not self._ready:
                self.migrate()
            with pool.connection() as conn:  # commits on leaving, rolls back on an exception
                if not durable:
                    conn.execute("SET LOCAL synchronous_commit = off")
                if read_only:
                    conn.execute("SET TRANSACTION READ ONLY")
                return action(_Tx(conn))
        except psycopg.Error as exc:
            raise self._fail(exc) from exc
        except OSError as exc:
            raise self._fail(exc) from exc

    def migrate(self) -> list[int]:
        """Apply the missing schema steps (waiting for a worker doing the same); returns the
        versions this call applied."""
        try:
            with self._get_pool().connection() as conn:
                conn.execute(MIGRATION_LOCK)
                done = apply_pending(conn.execute, "postgres")
        except psycopg.Error as exc:
            raise self._fail(exc) from exc
        if done:
            log.info("%s: schema migrated to version %d (applied %s)", self.describe(), LATEST, done)
        self._ready = True
        return done
