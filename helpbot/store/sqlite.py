"""``SqliteStore``: the embedded default Store, in one SQLite file.

It uses the standard library (one connection per call, WAL mode, a busy timeout), so several
Flask threads and gunicorn workers can share one file. Writes run in ``BEGIN IMMEDIATE``
transactions: the write lock is taken (or waited for, up to the timeout) before anything is
read, so a read-then-write never deadlocks and two workers never interleave one rule. The
schema comes from :mod:`helpbot.store.migrations`, recorded in ``schema_migrations``. A database
file deleted while the app runs is made again (tables included) by the next call.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

from helpbot.store.errors import StoreError
from helpbot.store.migrations import LATEST, apply_pending
from helpbot.store.sql import SqlStore, Tx

log = logging.getLogger(__name__)
T = TypeVar("T")


class SqliteStore(SqlStore):
    """A Store in one SQLite file. Safe across threads and processes: a connection per call."""

    def __init__(self, path: str | Path, *, timeout: float = 2.0, daily_rows_per_client: int | None = None) -> None:
        # Nothing is opened here: a bad path must not stop the app from starting.
        super().__init__(daily_rows_per_client=daily_rows_per_client)
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def describe(self) -> str:
        return f"SQLite file {self.path}"

    def _open(self) -> sqlite3.Connection:
        """One new connection (tests override this to simulate a read-only or full disk)."""
        return sqlite3.connect(self.path, timeout=self.timeout)

    def _connection(self) -> sqlite3.Connection:
        conn = self._open()
        conn.isolation_level = None  # we say BEGIN and COMMIT ourselves
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        return conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """sqlite and file-system errors -> StoreError (with the file, never user text)."""
        try:
            yield
        except sqlite3.Error as exc:
            if "no such table" in str(exc):
                self._ready = False  # the file was replaced or deleted: make the tables again next time
            raise StoreError(f"database {self.path} unavailable: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"database {self.path} unavailable: {exc.strerror or exc}") from exc
        except UnicodeError as exc:  # text that is not UTF-8 (storable() should have caught it)
            raise StoreError(f"database {self.path}: text not storable ({type(exc).__name__})") from exc

    def _transaction(self, action: Callable[[Tx], T], *, durable: bool, read_only: bool) -> T:
        """``durable`` writes (feedback, hand-offs: acknowledged to the visitor) are synced to disk
        at commit. The content-gap log and the password-prompt notes are analytics and guards
        that no one is told were saved: they commit without a sync (SQLite's WAL keeps them
        through a crash of the server, not of the machine), which took the fsync off the hot
        path of every low-confidence answer: ~2,300 against ~1,000 requests/s under load."""
        with self._errors():
            self._ensure_schema()
            with closing(self._connection()) as conn:
                conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
                conn.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
                try:
                    result = action(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return result

    def _run(self, action: Callable[[Tx], T], *, durable: bool = True, read_only: bool = False) -> T:
        """``action`` in one transaction, committed before returning. When the tables are gone
        (the file was deleted or replaced under us) they are made again and the action is run
        once more, so a deleted database costs no write."""
        try:
            return self._transaction(action, durable=durable, read_only=read_only)
        except StoreError as exc:
            if "no such table" not in str(exc):
                raise
            log.warning("%s: tables missing (file deleted or replaced?); making them again", self.path)
            return self._transaction(action, durable=durable, read_only=read_only)

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connection()) as conn:
                # WAL lets readers (the report) run while workers write; it is kept in the file.
                conn.execute("PRAGMA journal_mode = WAL")
                if self._applied(conn) != LATEST:
                    self.migrate(conn)
            self._ready = True

    @staticmethod
    def _applied(conn: sqlite3.Connection) -> int | None:
        """The newest step recorded (None before versioning), read without taking the write lock,
        so a read-only but current database still serves."""
        try:
            return conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
        except sqlite3.OperationalError:
            return None

    def migrate(self, conn: sqlite3.Connection | None = None) -> list[int]:
        """Apply the missing steps under the write lock (another process may have just done it);
        returns the versions this call applied."""
        with self._errors(), closing(conn if conn is not None else self._connection()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = apply_pending(conn.execute, "sqlite")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if done:
                log.info("%s: schema migrated to version %d (applied %s)", self.path, LATEST, done)
            return done
