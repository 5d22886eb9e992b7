"""Rate limiting on the `limits` library: in process by default, Redis when configured.

Keys are namespaced by the caller (tenant, account or address) so one tenant's traffic
never spends another's allowance.

Two kinds of window:
- requests (`hit`): a sliding window counter that refuses a hit it cannot afford;
- exact requests (`exact=True`): a moving window, one entry per hit, for rare events where
  an approximation is not good enough (failed sign-ins: a guess must never slip through
  because attempts straddled a minute's boundary);
- meters (`meter_left`, `meter_add`): a fixed window that counts whatever is added, even
  past its limit, for amounts known only afterwards (the tokens a model call used). A
  meter refuses the next call once it is spent, not the call that spends it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.storage import storage_from_string
from redis.asyncio import BlockingConnectionPool, ConnectionPool


@dataclass(frozen=True, slots=True)
class Window:
    """One window's state: its limit, what is left of it, and seconds until it resets."""

    limit: int
    remaining: int
    reset_seconds: float


# Connections one process keeps to Redis for rate limits, and how long a call waits for one.
_REDIS_CONNECTIONS = 64
_REDIS_WAIT_SECONDS = 10.0


class RateLimiter:
    def __init__(
        self, storage_uri: str = "async+memory://", *, redis_pool: ConnectionPool | None = None
    ) -> None:
        options: dict[str, Any] = {}
        if redis_pool is not None:
            options = {"implementation": "redispy", "connection_pool": redis_pool}
        storage = storage_from_string(storage_uri, **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        self._redis_pool = redis_pool
        # A sliding window counter: two counters per key (O(1) in memory and in Redis),
        # where a moving window keeps one entry per hit and costs more with every request.
        self._strategy = SlidingWindowCounterRateLimiter(self.storage)
        self._exact = MovingWindowRateLimiter(self.storage)
        # Meters count after the fact: a fixed window's counter is incremented even past
        # its limit, where the sliding counter would refuse (and not count) the amount.
        self._meter = FixedWindowRateLimiter(self.storage)
        self._items: dict[str, RateLimitItem] = {}

    @classmethod
    def for_redis(cls, redis_url: str) -> RateLimiter:
        scheme, _, rest = redis_url.partition("://")
        # We own the pool so that shutdown can close its connections. A blocking pool: past
        # its connections a call waits for one to come back, where redis-py's default pool
        # raised "Too many connections" (HTTP 500s at 300 gateway streams/s with Redis).
        pool = BlockingConnectionPool.from_url(
            redis_url, max_connections=_REDIS_CONNECTIONS, timeout=_REDIS_WAIT_SECONDS
        )
        return cls(f"async+{scheme}://{rest}", redis_pool=pool)

    async def close(self) -> None:
        if self._redis_pool is not None:
            await self._redis_pool.aclose()

    def _item(self, rate: str) -> RateLimitItem:
        item = self._items.get(rate)
        if item is None:
            item = self._items[rate] = parse(rate)
        return item

    def _requests(self, exact: bool) -> SlidingWindowCounterRateLimiter | MovingWindowRateLimiter:
        return self._exact if exact else self._strategy

    async def retry_after(self, rate: str, *key: str, exact: bool = False) -> int | None:
        """Seconds until one more hit is allowed, or None when it is allowed now."""
        item, strategy = self._item(rate), self._requests(exact)
        if await strategy.test(item, *key):
            return None
        stats = await strategy.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, rate: str, *key: str, cost: int = 1, exact: bool = False) -> bool:
        """Spend `cost` units; False (and nothing spent) when that would pass the limit."""
        return await self._requests(exact).hit(self._item(rate), *key, cost=cost)

    async def can_hit(self, rate: str, *key: str, cost: int = 1) -> bool:
        """Whether `hit` with this cost would be allowed now (spends nothing)."""
        return await self._strategy.test(self._item(rate), *key, cost=cost)

    async def window(self, rate: str, *key: str) -> Window:
        """The request window's limit, remaining hits and seconds until one more is free."""
        item = self._item(rate)
        stats = await self._strategy.get_window_stats(item, *key)
        return Window(item.amount, stats.remaining, max(0.0, stats.reset_time - time.time()))

    async def clear(self, rate: str, *key: str, exact: bool = False) -> None:
        await self._requests(exact).clear(self._item(rate), *key)

    async def meter_left(self, rate: str, *key: str) -> Window:
        """A meter's limit, what is left of it (0 once spent) and seconds until it resets."""
        item = self._item(rate)
        stats = await self._meter.get_window_stats(item, *key)
        reset = stats.reset_time - time.time() if stats.remaining < item.amount else 0.0
        return Window(item.amount, stats.remaining, max(0.0, reset))

    async def meter_add(self, rate: str, *key: str, amount: int) -> None:
        """Count `amount` on a meter, past its limit if need be."""
        if amount > 0:
            await self._meter.hit(self._item(rate), *key, cost=amount)

    async def meter_clear(self, rate: str, *key: str) -> None:
        await self._meter.clear(self._item(rate), *key)

    async def check(self) -> bool:
        return await self.storage.check()
