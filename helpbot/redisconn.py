"""One way to reach Redis: short timeouts, at most one quick retry, and an outage that is logged once.

Redis holds shared state that is good to have but never worth an error page (conversations, rate
limits): every caller catches :data:`REDIS_ERRORS`, carries on without Redis, and tells an
:class:`Outage`, which logs the first failure of an outage and the recovery, not every request.
After a failure Redis is left alone for ``pause`` seconds, so a Redis that times out costs one
timeout per pause rather than one per request; the first call after the pause tries again, which
is how everything recovers by itself when Redis is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from typing import Any

from helpbot.errors import ConfigError

try:  # redis-py comes with the serve extra (pip install 'helpbot[serve]'); memory: needs none
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ImportError:  # pragma: no cover - the test environment has the extra
    redis = None

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 0.5  # seconds: Redis answers in well under a millisecond on a healthy network
# ConnectionError, TimeoutError, a refused or reset socket, a server busy loading its data.
REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError) if redis else (OSError,)


def connect(url: str, *, timeout: float = SOCKET_TIMEOUT) -> Any:
    """A ``redis.Redis`` client for ``redis://`` or ``rediss://`` URLs. Connecting is lazy
    (nothing happens until the first command), so an app starts while Redis is down. One
    immediate retry on a broken connection (a pooled socket left over from before a Redis
    restart), none on a timeout."""
    if redis is None:
        raise ConfigError("HELPBOT_SESSION_URL is a redis:// URL but redis-py is not installed; "
                          "install it with: pip install 'helpbot[serve]'")
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=0,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)), decode_responses=True,
    )


class Outage:
    """Whether Redis is usable now, for one user of it (``what``: "sessions", "rate limits")."""

    def __init__(self, what: str, *, pause: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.pause = pause
        self.clock = clock
        self.down = False
        self._until = 0.0
        self._lock = threading.Lock()

    def usable(self) -> bool:
        """False during the pause after a failure: skip Redis and use the fallback."""
        return not self.down or self.clock() >= self._until

    def failed(self, exc: BaseException, fallback: str) -> None:
        with self._lock:
            first = not self.down
            self.down = True
            self._until = self.clock() + self.pause
        if first:  # once per outage; the exception's class and text, never a visitor's words
            log.warning("Redis unavailable for %s (%s: %s); %s until it is back",
                        self.what, type(exc).__name__, exc, fallback)

    def succeeded(self) -> None:
        if self.down:
            with self._lock:
                was_down, self.down = self.down, False
            if was_down:
                log.warning("Redis reachable again for %s", self.what)
