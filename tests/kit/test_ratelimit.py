"""Conformance suite for the rate limiter backends: in process and Redis behave the same."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from atrium.kit.ratelimit import RateLimiter

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_available() -> bool:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield RateLimiter()
        return
    if not _redis_available():
        pytest.fail("Redis is expected on 127.0.0.1:6379 (see README: scale-out tests)")
    backend = RateLimiter.for_redis(REDIS_URL)
    assert await backend.check()
    yield backend
    await backend.close()


async def test_allows_up_to_the_limit_then_refuses(limiter: RateLimiter) -> None:
    key = uuid.uuid4().hex
    assert await limiter.retry_after("3/minute", "t", key) is None
    for _ in range(3):
        assert await limiter.hit("3/minute", "t", key)
    assert not await limiter.hit("3/minute", "t", key)
    wait = await limiter.retry_after("3/minute", "t", key)
    assert wait is not None
    assert 1 <= wait <= 60


async def test_keys_are_independent(limiter: RateLimiter) -> None:
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    assert await limiter.hit("1/minute", "tenant", a)
    assert not await limiter.hit("1/minute", "tenant", a)
    assert await limiter.hit("1/minute", "tenant", b)


async def test_clear_resets(limiter: RateLimiter) -> None:
    key = uuid.uuid4().hex
    await limiter.hit("1/hour", "x", key)
    assert await limiter.retry_after("1/hour", "x", key) is not None
    await limiter.clear("1/hour", "x", key)
    assert await limiter.retry_after("1/hour", "x", key) is None


async def test_cost_is_spent_whole_or_not_at_all(limiter: RateLimiter) -> None:
    key = uuid.uuid4().hex
    assert await limiter.hit("10/minute", "c", key, cost=7)
    assert await limiter.can_hit("10/minute", "c", key, cost=3)
    assert not await limiter.can_hit("10/minute", "c", key, cost=4)
    # refused, and nothing of it spent
    assert not await limiter.hit("10/minute", "c", key, cost=4)
    window = await limiter.window("10/minute", "c", key)
    assert (window.limit, window.remaining) == (10, 3)
    assert 0 <= window.reset_seconds <= 60


async def test_window_of_an_unused_key_is_full(limiter: RateLimiter) -> None:
    window = await limiter.window("5/minute", "w", uuid.uuid4().hex)
    assert (window.limit, window.remaining) == (5, 5)


async def test_meter_counts_past_its_limit(limiter: RateLimiter) -> None:
    key = uuid.uuid4().hex
    fresh = await limiter.meter_left("100/minute", "m", key)
    assert (fresh.limit, fresh.remaining, fresh.reset_seconds) == (100, 100, 0.0)
    await limiter.meter_add("100/minute", "m", key, amount=60)
    assert (await limiter.meter_left("100/minute", "m", key)).remaining == 40
    # an amount known only afterwards is counted whole, and the meter is then spent
    await limiter.meter_add("100/minute", "m", key, amount=70)
    spent = await limiter.meter_left("100/minute", "m", key)
    assert spent.remaining == 0
    assert 0 < spent.reset_seconds <= 60
    await limiter.meter_clear("100/minute", "m", key)
    assert (await limiter.meter_left("100/minute", "m", key)).remaining == 100


async def test_meters_and_windows_of_one_key_are_separate(limiter: RateLimiter) -> None:
    key = uuid.uuid4().hex
    await limiter.meter_add("2/minute", "s", key, amount=5)
    assert await limiter.hit("2/minute", "s", key)


async def test_thousands_of_concurrent_hits_wait_for_a_connection(limiter: RateLimiter) -> None:
    # More callers at once than the Redis pool has connections: each waits for one instead
    # of failing (the default pool raised "Too many connections").
    hits = await asyncio.gather(
        *(limiter.hit("100000/minute", "crowd", str(i % 7)) for i in range(2000))
    )
    assert all(hits)


async def test_exact_window_counts_hits_that_straddle_a_boundary(limiter: RateLimiter) -> None:
    # Hits spread over 1.5 one-second windows: a sliding window counter weighs the earlier
    # window's hits down and lets more through; the exact window counts every hit of the
    # last second, wherever the clock's boundaries fall.
    key = uuid.uuid4().hex
    for _ in range(4):
        assert await limiter.hit("4/2 second", "exact", key, exact=True)
        await asyncio.sleep(0.3)
    assert await limiter.retry_after("4/2 second", "exact", key, exact=True) is not None
    assert not await limiter.hit("4/2 second", "exact", key, exact=True)
    await limiter.clear("4/2 second", "exact", key, exact=True)
    assert await limiter.retry_after("4/2 second", "exact", key, exact=True) is None
