"""Conformance suite for the rate limiter backends: in process and Redis behave the same."""

from __future__ import annotations

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
