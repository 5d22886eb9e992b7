"""Tenant changes reach the caches that listen: in this process at once, and with Redis in
every other process that shares it (so a removed member's key is forgotten by every replica's
gateway cache, not only by the one that served the removal)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from atrium.kit.invalidation import RedisTenantChanges, TenantChanges
from tests.kit.test_ratelimit import REDIS_URL, _redis_available


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[RedisTenantChanges, RedisTenantChanges]]:
    """Two processes' announcers on one Redis (a channel of this test's own)."""
    if not _redis_available():
        pytest.fail("Redis is expected on 127.0.0.1:6379 (see README: scale-out tests)")
    channel = f"atrium:test-tenant-changes:{uuid.uuid4().hex}"
    a = RedisTenantChanges(REDIS_URL, channel=channel)
    b = RedisTenantChanges(REDIS_URL, channel=channel)
    await a.start()
    await b.start()
    async with asyncio.timeout(5):
        await a.subscribed()
        await b.subscribed()
    yield a, b
    await a.close()
    await b.close()


async def test_in_process_listeners_hear_a_change() -> None:
    changes = TenantChanges()
    heard: list[uuid.UUID] = []
    changes.subscribe(heard.append)
    tenant = uuid.uuid4()
    await changes.changed(tenant)
    assert heard == [tenant]


async def test_another_replica_hears_a_change_once(
    replicas: tuple[RedisTenantChanges, RedisTenantChanges],
) -> None:
    a, b = replicas
    here: list[uuid.UUID] = []
    there: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    a.subscribe(here.append)
    b.subscribe(there.put_nowait)
    tenant = uuid.uuid4()
    await a.changed(tenant)
    assert here == [tenant]  # at once, not through Redis (nor twice through it)
    async with asyncio.timeout(5):
        assert await there.get() == tenant
    await asyncio.sleep(0.2)
    assert here == [tenant] and there.empty()


async def test_an_unreadable_message_on_the_channel_is_skipped(
    replicas: tuple[RedisTenantChanges, RedisTenantChanges],
) -> None:
    a, b = replicas
    there: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    b.subscribe(there.put_nowait)
    # Another deployment (or version) on the same Redis and channel.
    async with Redis.from_url(REDIS_URL) as other:
        await other.publish(b.channel, b"someone-else|not a tenant id")
    tenant = uuid.uuid4()
    await a.changed(tenant)
    async with asyncio.timeout(5):
        assert await there.get() == tenant
    assert there.empty()
