"""Conversations in Redis, shared by every worker and host: one key per session.

Each session is one string key, ``<prefix>session:<id>``, holding the session's JSON
(helpbot.sessions.codec) and expiring ``ttl`` seconds after its last save, so an idle
conversation costs nothing after half an hour and Redis needs no sweeping. Bound Redis itself
with ``maxmemory`` and an eviction policy (docs/DEPLOY.md): a session evicted early only forgets
its follow-ups.

When Redis is unavailable (down, restarting, timing out) a message is answered with a fresh
session and its state is not saved: the conversation forgets its earlier turns, the answer still
comes. The outage is logged once (helpbot.redisconn.Outage), and the store uses Redis again by
itself once it answers. See helpbot.sessions.store for what happens to two messages at once.
"""

from __future__ import annotations

import logging
from typing import Any

from helpbot.redisconn import REDIS_ERRORS, Outage, connect
from helpbot.sessions import codec
from helpbot.sessions.state import Session
from helpbot.sessions.store import DEFAULT_TTL, SessionStore, SessionsUnavailable

log = logging.getLogger(__name__)
DEFAULT_PREFIX = "helpbot:"
FALLBACK = "conversations start afresh"


class RedisSessionStore(SessionStore):
    """``url``: ``redis://HOST:PORT/DB``; or pass a ``client`` (shared with the rate limiter).
    ``prefix`` separates installations (and tests) that share one Redis database."""

    def __init__(self, url: str | None = None, *, client: Any = None,
                 prefix: str = DEFAULT_PREFIX, ttl: float = DEFAULT_TTL, outage: Outage | None = None) -> None:
        if client is None and url is None:
            raise ValueError("RedisSessionStore needs a url (redis://HOST:PORT/DB) or a client")
        self.client = client if client is not None else connect(url or "")
        self.prefix = prefix
        self.ttl = ttl
        self.outage = outage or Outage("sessions")

    def key(self, session_id: str) -> str:
        return f"{self.prefix}session:{session_id}"

    def load(self, session_id: str, *, strict: bool = False) -> Session:
        if not self.outage.usable():
            if strict:
                raise SessionsUnavailable("Redis is unavailable (sessions)")
            return Session()
        try:
            text = self.client.get(self.key(session_id))
        except REDIS_ERRORS as exc:
            self.outage.failed(exc, FALLBACK)
            if strict:
                raise SessionsUnavailable(f"Redis is unavailable (sessions): {type(exc).__name__}") from None
            return Session()
        self.outage.succeeded()
        if text is None:
            return Session()
        try:
            return codec.decode(text)
        except codec.SessionDecodeError as exc:  # e.g. written by a newer release: start afresh
            log.warning("%s (session %s…); starting a fresh one", exc, session_id[:8])
            return Session()

    def save(self, session_id: str, session: Session) -> None:
        text = codec.encode(session)  # a TypeError here is a bug: let it show in tests
        if not self.outage.usable():
            return
        try:
            self.client.set(self.key(session_id), text, px=max(1, round(self.ttl * 1000)))
        except REDIS_ERRORS as exc:
            self.outage.failed(exc, FALLBACK)
            return
        self.outage.succeeded()
