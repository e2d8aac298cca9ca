"""Rate limiters: one contract for the in-process and the Redis backend (on a test clock), then
what only Redis does: a limit shared by two "workers", Redis' own clock, keys that expire, and
the fallback to counting in process while Redis is down."""

from __future__ import annotations

import logging

import pytest
from redis_fixtures import (REDIS_URL, RedisServer, private_redis, redis_clients, redis_prefix,  # noqa: F401
                            shared_redis)

from helpbot.limits import MemoryRateLimiter, RedisRateLimiter, open_limiter
from helpbot.redisconn import Outage


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request):
    """make_limiter(count, period, clock) -> a limiter of the backend under test."""
    if request.param == "memory":
        return lambda count, period, clock: MemoryRateLimiter(count, period, clock=clock)
    prefix = request.getfixturevalue("redis_prefix")
    client = request.getfixturevalue("redis_clients")(REDIS_URL)
    return lambda count, period, clock: RedisRateLimiter(count, period, client=client, name="read", prefix=prefix,
                                                         clock=clock)


@pytest.mark.parametrize("count, period", [(1, 1), (2, 60), (5, 60), (10, 1), (60, 60), (20, 3600)])
def test_a_burst_of_count_then_one_per_interval(make_limiter, count, period):
    clock = Clock()
    limiter = make_limiter(count, period, clock)
    assert [limiter.hit("c") for _ in range(count)] == [None] * count
    assert limiter.hit("c") == pytest.approx(period / count, abs=1e-5)  # the Retry-After
    clock.now += period / count / 2
    assert limiter.hit("c") == pytest.approx(period / count / 2, abs=1e-5)  # refusals do not count
    clock.now += period / count / 2
    assert limiter.hit("c") is None  # one more after an interval...
    assert limiter.hit("c") is not None  # ...and only one
    clock.now += period
    assert [limiter.hit("c") for _ in range(count)] == [None] * count  # the whole burst back


def test_clients_are_counted_apart(make_limiter):
    limiter = make_limiter(2, 60, Clock())
    assert limiter.hit("a") is None and limiter.hit("a") is None and limiter.hit("a") is not None
    assert limiter.hit("b") is None and limiter.hit("2001:db8::/64") is None


@pytest.mark.parametrize("setting, kind", [("off", None), ("0", None), ("", None), (None, None),
                                           ("60/minute", MemoryRateLimiter)])
def test_open_limiter_in_process(setting, kind):
    limiter = open_limiter(setting, name="read")
    assert (type(limiter) if limiter is not None else None) is kind


def test_open_limiter_on_redis_and_bad_settings(redis_prefix, redis_clients):
    limiter = open_limiter("3/second", name="write", url=REDIS_URL, client=redis_clients(REDIS_URL),
                           prefix=redis_prefix)
    assert isinstance(limiter, RedisRateLimiter) and (limiter.count, limiter.period) == (3, 1.0)
    with pytest.raises(ValueError, match="COUNT/UNIT"):
        open_limiter("lots", name="read")
    with pytest.raises(ValueError, match="positive"):
        MemoryRateLimiter(0, 60)


# -- Redis: shared, on its own clock, with a fallback ----------------------------------------------

def test_two_workers_share_one_limit(redis_prefix, redis_clients):
    """Two limiter instances with their own connections, as two gunicorn workers (or hosts) have."""
    clock = Clock()
    workers = [RedisRateLimiter(5, 60, client=redis_clients(REDIS_URL), name="read", prefix=redis_prefix,
                                clock=clock)
               for _ in range(2)]
    allowed = [workers[n % 2].hit("198.51.100.7") is None for n in range(10)]
    assert allowed == [True] * 5 + [False] * 5  # 5 in all, not 5 per worker
    assert workers[1].hit("198.51.100.8") is None


def test_limits_of_other_names_and_prefixes_do_not_mix(redis_prefix, redis_clients):
    client = redis_clients(REDIS_URL)
    read = RedisRateLimiter(1, 60, client=client, name="read", prefix=redis_prefix)
    write = RedisRateLimiter(1, 60, client=client, name="write", prefix=redis_prefix)
    other = RedisRateLimiter(1, 60, client=client, name="read", prefix=redis_prefix + "other:")
    assert read.hit("c") is None and write.hit("c") is None and other.hit("c") is None
    assert read.hit("c") is not None and write.hit("c") is not None


def test_on_redis_clock_the_key_lives_until_the_burst_is_back(redis_prefix, shared_redis, redis_clients):
    limiter = RedisRateLimiter(5, 60, client=redis_clients(REDIS_URL), name="read", prefix=redis_prefix)
    assert all(limiter.hit("c") is None for _ in range(5))
    wait = limiter.hit("c")
    assert wait is not None and 0 < wait <= 12  # one interval, less the moments the test took
    assert 0 < shared_redis.pttl(limiter.key("c")) <= 60_000


def test_redis_down_counts_in_process_logs_once_and_goes_back(private_redis: RedisServer, redis_clients, caplog):
    caplog.set_level(logging.WARNING, logger="helpbot")
    clock = Clock()
    limiter = RedisRateLimiter(3, 60, client=redis_clients(private_redis.url), name="read", clock=clock,
                               outage=Outage("rate limits", pause=0))
    assert limiter.hit("c") is None  # counted in Redis
    private_redis.kill()
    assert [limiter.hit("c") is None for _ in range(4)] == [True, True, True, False]  # this worker's count
    assert caplog.text.count("Redis unavailable for rate limits") == 1
    private_redis.start()  # empty again: the count starts over in Redis
    assert [limiter.hit("c") is None for _ in range(4)] == [True, True, True, False]
    assert "Redis reachable again for rate limits" in caplog.text
