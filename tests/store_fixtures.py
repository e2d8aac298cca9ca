"""Stores on every SQL backend for the store tests: SQLite in a temporary folder, PostgreSQL in a
throw-away schema of the real server (``HELPBOT_TEST_DATABASE_URL``), dropped afterwards.

``make_store(**options)`` returns a store on the test's database; calling it again gives
another store on the same database, as another worker would have. PostgreSQL tests are
skipped, with the reason, only when the server cannot be reached.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from urllib.parse import quote

import pytest

from helpbot.store import SqliteStore, Store

PG_URL = os.environ.get("HELPBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgres"]
TABLES = ("feedback", "handoffs", "gaps", "handoff_messages", "client_rows", "secret_prompts")


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (PostgreSQL's ``options`` parameter)."""
    return f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"


def _pg_unreachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any reason the server cannot be used is a reason to skip
        return f"PostgreSQL at {PG_URL} unreachable ({type(exc).__name__}: {str(exc).splitlines()[0]})"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of the test server whose tables go to a fresh schema, dropped after the test."""
    reason = _pg_unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"helpbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(PG_URL, schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


class Backend:
    """One test's database on one backend: stores on it, and its raw rows."""

    def __init__(self, name: str, target: str) -> None:
        self.name = name
        self.target = target  # the SQLite file or the PostgreSQL URL
        self.stores: list[Store] = []

    def store(self, **options: Any) -> Store:
        if self.name == "sqlite":
            store: Store = SqliteStore(self.target, **{"timeout": 5.0, **options})
        else:
            from helpbot.store.postgres import PostgresStore

            store = PostgresStore(self.target, **options)
        self.stores.append(store)
        return store

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a query run straight on the database (not through a store)."""
        if self.name == "sqlite":
            with closing(sqlite3.connect(self.target)) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.target) as conn:
            return conn.execute(sql).fetchall()

    def dump(self) -> str:
        """Every stored row of every table, as text: what a secret must never be found in."""
        return repr([self.rows(f"SELECT * FROM {table}") for table in TABLES])

    def close(self) -> None:
        for store in self.stores:
            store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path) -> Iterator[Backend]:
    if request.param == "sqlite":
        db = Backend("sqlite", str(tmp_path / "store.sqlite3"))
    else:
        db = Backend("postgres", request.getfixturevalue("pg_url"))
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store()


