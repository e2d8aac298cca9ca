"""Where feedback, hand-offs, the hand-off queue and the content-gap log go, and the report made from them.

``base`` holds the interface, ``errors`` what it raises, ``handoffs`` the queue's types and
rules, ``redaction`` what may be stored of a visitor's text, ``migrations`` the schema steps,
``sql`` the logic both SQL backends share, ``sqlite`` the embedded default, ``postgres`` the
shared server backend, ``grouping`` and ``report`` the report. :func:`open_store` picks the backend from a URL.
"""

from __future__ import annotations

from pathlib import Path

from helpbot.store.base import GAP_CONFIDENCE, SECRET_PROMPT_TTL, Store, is_gap, mask_url
from helpbot.store.errors import HandoffConflict, HandoffNotFound, StoreError, StoreQuotaError
from helpbot.store.handoffs import ROLES, STATUSES, Handoff, HandoffMessage
from helpbot.store.redaction import MAX_TEXT_CHARS, PASSWORD_PLACEHOLDER, REDACTED, clean_text, storable
from helpbot.store.report import GROUP_SIMILARITY, format_report, group_questions
from helpbot.store.sqlite import SqliteStore

__all__ = [
    "GAP_CONFIDENCE", "GROUP_SIMILARITY", "MAX_TEXT_CHARS", "PASSWORD_PLACEHOLDER", "REDACTED", "ROLES",
    "SECRET_PROMPT_TTL", "STATUSES", "Handoff", "HandoffConflict", "HandoffMessage", "HandoffNotFound",
    "SqliteStore", "Store", "StoreError", "StoreQuotaError", "clean_text", "format_report", "group_questions",
    "is_gap", "mask_url", "open_store", "storable",
]


def open_store(database_url: str | None, db_path: str | Path | None = None, *,
               daily_rows_per_client: int | None = None) -> Store:
    """The store a ``HELPBOT_DATABASE_URL`` names: None -> SQLite at ``db_path``;
    ``sqlite:///PATH`` -> SQLite at PATH (``sqlite:////abs/path`` for an absolute one);
    ``postgresql://...`` or ``postgres://...`` -> PostgreSQL. Nothing is opened yet."""
    if database_url is None:
        if db_path is None:
            raise ValueError("open_store needs a database URL or an SQLite file path")
        return SqliteStore(db_path, daily_rows_per_client=daily_rows_per_client)
    if database_url.startswith("sqlite:///") and len(database_url) > len("sqlite:///"):
        return SqliteStore(database_url.removeprefix("sqlite:///"), daily_rows_per_client=daily_rows_per_client)
    if database_url.startswith(("postgresql://", "postgres://")):
        from helpbot.store.postgres import PostgresStore  # psycopg is loaded only when used

        return PostgresStore(database_url, daily_rows_per_client=daily_rows_per_client)
    raise ValueError(f"Unknown database URL {mask_url(database_url)!r}. Use sqlite:///PATH or "
                     "postgresql://USER@HOST:PORT/DBNAME")
