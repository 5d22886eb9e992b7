"""Wake-ups for stream readers when a run has new events.

Events themselves live in PostgreSQL (run_events), so a reader on any process can resume
from any id; this bus only shortens the wait. In one process it is an asyncio signal;
readers elsewhere fall back to a short poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from redis.asyncio import Redis

from atrium.kit.logging import get_logger

_log = get_logger("atrium.runs.bus")


class RunBus:
    def __init__(self) -> None:
        self._waiters: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)

    def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def notify(self, run_id: uuid.UUID) -> None:
        for event in self._waiters.get(run_id, ()):
            event.set()

    @contextlib.contextmanager
    def subscribe(self, run_id: uuid.UUID) -> Iterator[Subscription]:
        """Wake-ups for one run. Subscribe before reading the run's state, so a wake-up
        that comes between the read and the wait is not missed."""
        event = asyncio.Event()
        self._waiters[run_id].add(event)
        try:
            yield Subscription(event)
        finally:
            waiters = self._waiters.get(run_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[run_id]


class Subscription:
    def __init__(self, event: asyncio.Event) -> None:
        self._event = event

    async def wait(self, seconds: float) -> None:
        """Until the next wake-up (or one that came since the last wait), or `seconds`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        self._event.clear()


class RedisRunBus(RunBus):
    """The same wake-ups across processes: a run's worker may be on another machine than the
    client's API process. Messages carry nothing but the run id; the events stay in
    PostgreSQL."""

    CHANNEL = "atrium:runs:"

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        self._redis: Redis = Redis.from_url(redis_url)
        self._listener: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self.CHANNEL}*")
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode()
                        with contextlib.suppress(ValueError):
                            super().notify(uuid.UUID(channel[len(self.CHANNEL) :]))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: readers fall back to polling meanwhile
                _log.warning("run_bus_redis_unavailable")
                await asyncio.sleep(1.0)

    def notify(self, run_id: uuid.UUID) -> None:
        super().notify(run_id)
        task = asyncio.get_running_loop().create_task(self._publish(run_id))
        self._pending.add(task)
        task.add_done_callback(self._published)

    async def _publish(self, run_id: uuid.UUID) -> None:
        await self._redis.publish(f"{self.CHANNEL}{run_id}", b"1")

    def _published(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.warning("run_bus_publish_failed")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
