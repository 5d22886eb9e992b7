"""Tenant-scoped cache invalidation. Code that changes who may do what in a tenant (keys,
roles, membership, plan, status, provider keys) calls `TenantChanges.announce`; caches
subscribe. Listeners run after the change commits, in this process at once.

Other processes: with Redis (`RedisTenantChanges`, the scale-out shape) each change is
published on one channel and every replica's listeners run when it arrives; should a
message be lost (Redis away), a replica still sees the change when its cache entries
expire, so a cache's lifetime bounds the delay everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Callable

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.db import after_commit
from atrium.kit.logging import get_logger

_log = get_logger("atrium.invalidation")
_PUBLISH_TIMEOUT_SECONDS = 2.0


class TenantChanges:
    def __init__(self) -> None:
        self._listeners: list[Callable[[uuid.UUID], None]] = []

    def subscribe(self, listener: Callable[[uuid.UUID], None]) -> None:
        self._listeners.append(listener)

    def announce(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        """Tell every listener once this session's transaction has committed."""

        async def notify() -> None:
            await self.changed(tenant_id)

        after_commit(session, notify, name="invalidate.tenant")

    async def changed(self, tenant_id: uuid.UUID) -> None:
        """A committed change of `tenant_id`: tell the listeners (and, in subclasses, the
        other processes)."""
        self.notify_here(tenant_id)

    def notify_here(self, tenant_id: uuid.UUID) -> None:
        for listener in self._listeners:
            listener(tenant_id)

    async def start(self) -> None:
        """Nothing to start in one process."""

    async def close(self) -> None:
        """Nothing to stop in one process."""


class RedisTenantChanges(TenantChanges):
    """The same announcements across processes, on one Redis channel."""

    CHANNEL = "atrium:tenant-changes"

    def __init__(self, redis_url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self._redis: Redis = Redis.from_url(redis_url)
        self.channel = channel
        self._origin = (uuid.uuid4().hex + str(os.getpid())).encode()
        self._listening: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def changed(self, tenant_id: uuid.UUID) -> None:
        self.notify_here(tenant_id)
        try:
            async with asyncio.timeout(_PUBLISH_TIMEOUT_SECONDS):
                await self._redis.publish(self.channel, self._origin + b"|" + tenant_id.bytes)
        except Exception:  # the other replicas' cache entries expire meanwhile
            _log.warning("tenant_changes_publish_failed", tenant_id=str(tenant_id))

    async def start(self) -> None:
        self._listening = asyncio.get_running_loop().create_task(self._listen())

    async def subscribed(self) -> None:
        """Wait until this process listens to the channel (for tests and startup)."""
        await self._subscribed.wait()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: cache entries expire meanwhile
                self._subscribed.clear()
                _log.warning("tenant_changes_redis_unavailable")
                await asyncio.sleep(1.0)

    def _receive(self, message: bytes) -> None:
        origin, _, tenant = message.partition(b"|")
        if origin == self._origin:
            return
        try:
            tenant_id = uuid.UUID(bytes=tenant)
        except ValueError:  # another deployment's message on the same Redis: not ours
            _log.warning("tenant_changes_message_unreadable", size=len(message))
            return
        self.notify_here(tenant_id)

    async def close(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
        await self._redis.aclose()
