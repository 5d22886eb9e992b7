"""Rate limiting on the `limits` library: in process by default, Redis when configured.

Keys are namespaced by the caller (tenant, account or address) so one tenant's traffic
never spends another's allowance.
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool


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
        self._items: dict[str, RateLimitItem] = {}

    @classmethod
    def for_redis(cls, redis_url: str) -> RateLimiter:
        scheme, _, rest = redis_url.partition("://")
        # We own the pool so that shutdown can close its connections.
        pool = ConnectionPool.from_url(redis_url)
        return cls(f"async+{scheme}://{rest}", redis_pool=pool)

    async def close(self) -> None:
        if self._redis_pool is not None:
            await self._redis_pool.aclose()

    def _item(self, rate: str) -> RateLimitItem:
        item = self._items.get(rate)
        if item is None:
            item = self._items[rate] = parse(rate)
        return item

    async def retry_after(self, rate: str, *key: str) -> int | None:
        """Seconds until one more hit is allowed, or None when it is allowed now."""
        item = self._item(rate)
        if await self._strategy.test(item, *key):
            return None
        stats = await self._strategy.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, rate: str, *key: str) -> bool:
        """Spend one unit; False when the limit was already reached."""
        return await self._strategy.hit(self._item(rate), *key)

    async def clear(self, rate: str, *key: str) -> None:
        await self._strategy.clear(self._item(rate), *key)

    async def check(self) -> bool:
        return await self.storage.check()
