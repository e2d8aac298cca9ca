"""Rate limits: ``count`` requests per ``period`` seconds per client, in this process or in Redis.

Both backends run the same algorithm, GCRA (the "generic cell rate algorithm"): one number per
client, its theoretical arrival time (TAT), so a busy client costs no more memory than an idle
one. A client may burst up to ``count`` requests, then gets one more every ``period / count``
seconds; over the limit, :meth:`RateLimiter.hit` says how long to wait (the Retry-After).

- :class:`MemoryRateLimiter` counts in this process: with several gunicorn workers each counts on
  its own, so the effective limit is count x workers. The default (``SESSION_URL=memory:``).
- :class:`RedisRateLimiter` keeps the TAT in Redis (one key per client and limit, expiring when
  the client's full burst is back) and updates it in one Lua script, atomically, on Redis' own
  clock: the limit is per client across every worker and host. When Redis is unavailable it
  counts in process instead (logged once per outage) and goes back to Redis by itself.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from helpbot.config import parse_rate
from helpbot.redisconn import REDIS_ERRORS, Outage, connect

DEFAULT_PREFIX = "helpbot:"
# Float arrival times drift (ten 0.1 s intervals sum to 1.0000000000000002): a wait this small is
# no wait, or a burst of 10 at "10/second" would lose its last request.
_EPSILON = 1e-9

# KEYS[1]: the client's TAT key. ARGV: interval and burst window in microseconds, and "now" in
# microseconds ("" for Redis' own clock, which every host then shares). Returns the wait in
# microseconds, 0 when the request is allowed (and counted).
_GCRA = """
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - now - tonumber(ARGV[2])
if wait > 0 then return wait end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000))
return 0
"""


class RateLimiter(ABC):
    """``hit(client)``: None when the request is allowed, else the seconds to wait."""

    def __init__(self, count: int, period: float) -> None:
        if count <= 0 or period <= 0:
            raise ValueError(f"a rate limit needs a positive count and period, not {count}/{period}")
        self.count = count
        self.period = float(period)
        self.interval = self.period / count

    @abstractmethod
    def hit(self, client: str) -> float | None:
        """Count one request of ``client``; None when allowed, else the seconds to wait."""


class MemoryRateLimiter(RateLimiter):
    """GCRA in this process. At most ``max_clients`` are remembered. Past that, idle clients are
    forgotten and then the oldest, down to 90% of the bound, so a flood of new addresses costs
    one sweep per ``max_clients / 10`` of them rather than one per request."""

    def __init__(self, count: int, period: float, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        super().__init__(count, period)
        self.clock = clock
        self.max_clients = max_clients
        self._tat: dict[str, float] = {}  # client -> theoretical arrival time
        self._lock = threading.Lock()

    @classmethod
    def from_setting(cls, value: str | None) -> MemoryRateLimiter | None:
        rate = parse_rate(value or "off")
        return None if rate is None else cls(*rate)

    def hit(self, client: str) -> float | None:
        now = self.clock()
        with self._lock:
            tat = max(self._tat.get(client, now), now)
            wait = tat - now - (self.period - self.interval)
            if wait > _EPSILON:
                return wait
            self._tat.pop(client, None)  # re-inserted last: the dict stays oldest-first
            self._tat[client] = tat + self.interval
            if len(self._tat) > self.max_clients:
                self._forget_idle(now)
            return None

    def _forget_idle(self, now: float) -> None:
        # A client whose arrival time has passed has its full burst back: nothing to keep.
        for client in [c for c, t in self._tat.items() if t <= now]:
            del self._tat[client]
        keep = self.max_clients - max(1, self.max_clients // 10)
        while len(self._tat) > keep:  # still too many: drop the least recently seen
            self._tat.pop(next(iter(self._tat)))


class RedisRateLimiter(RateLimiter):
    """GCRA in Redis, shared by every worker and host. ``name`` keeps limits apart ("read",
    "write"), ``prefix`` installations and tests. ``clock`` (seconds) replaces Redis' clock, for
    tests; in production leave it unset, so hosts whose clocks differ still agree."""

    def __init__(self, count: int, period: float, *, client: Any, name: str, prefix: str = DEFAULT_PREFIX,
                 clock: Callable[[], float] | None = None, outage: Outage | None = None) -> None:
        super().__init__(count, period)
        self.client = client
        self.name = name
        self.prefix = prefix
        self.clock = clock
        self.outage = outage or Outage(f"rate limits ({name})")
        self.fallback = MemoryRateLimiter(count, period)  # while Redis is away: per worker, as before
        self._script = client.register_script(_GCRA)

    def key(self, client: str) -> str:
        return f"{self.prefix}rate:{self.name}:{client}"

    def hit(self, client: str) -> float | None:
        if not self.outage.usable():
            return self.fallback.hit(client)
        now = "" if self.clock is None else str(round(self.clock() * 1_000_000))
        try:
            wait = self._script(keys=[self.key(client)],
                                args=[round(self.interval * 1_000_000),
                                      round((self.period - self.interval) * 1_000_000), now])
        except REDIS_ERRORS as exc:
            self.outage.failed(exc, "counting in each worker")
            return self.fallback.hit(client)
        self.outage.succeeded()
        return None if int(wait) <= 0 else int(wait) / 1_000_000


def open_limiter(setting: str | None, *, name: str, url: str = "memory:", client: Any = None,
                 prefix: str = DEFAULT_PREFIX) -> RateLimiter | None:
    """The limiter for a rate setting ("60/minute"; "off": None) and a ``SESSION_URL``: in
    process for ``memory:``, in Redis (``client``, or one connected to ``url``) otherwise."""
    rate = parse_rate(setting or "off")
    if rate is None:
        return None
    if url == "memory:":
        return MemoryRateLimiter(*rate)
    return RedisRateLimiter(*rate, client=client if client is not None else connect(url), name=name,
                            prefix=prefix)
