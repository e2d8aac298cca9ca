"""Conversation state behind one interface, so follow-ups ("the second one", "and in EUR?") and
pending tool forms work whichever worker or host answers the next message.

``state`` holds the Session and its bounded logs, ``codec`` its tagged JSON, ``store`` the
interface and the in-process backend, ``redis_store`` the shared one. :func:`open_sessions`
picks the backend from the ``SESSION_URL`` setting.
"""

from __future__ import annotations

from typing import Any

from helpbot.sessions.codec import SessionDecodeError, decode, encode
from helpbot.sessions.redis_store import DEFAULT_PREFIX, RedisSessionStore
from helpbot.sessions.state import MAX_HISTORY, MAX_SHOWN, Session, note_reply, note_shown, record_turn
from helpbot.sessions.store import DEFAULT_TTL, MemorySessionStore, SessionStore, SessionsUnavailable


def open_sessions(url: str = "memory:", *, client: Any = None,
                  prefix: str = DEFAULT_PREFIX) -> SessionStore:
    """The store for a ``SESSION_URL``: ``memory:`` (one process) or ``redis://...`` (shared)."""
    if url == "memory:":
        return MemorySessionStore()
    if url.startswith(("redis://", "rediss://")):
        return RedisSessionStore(url, client=client, prefix=prefix)
    raise ValueError(f"Unknown SESSION_URL {url[:40]!r}; use memory: or redis://HOST:PORT/DB")


__all__ = [
    "DEFAULT_PREFIX", "DEFAULT_TTL", "MAX_HISTORY", "MAX_SHOWN", "MemorySessionStore", "RedisSessionStore",
    "Session", "SessionDecodeError", "SessionStore", "SessionsUnavailable", "decode", "encode", "note_reply",
    "note_shown", "open_sessions", "record_turn",
]
