"""Live delivery of run events and cancels to every process that holds a reader or executes
the run.

Events are stored in PostgreSQL first (run_events), so a reader on any process can resume
from any id; the hub only carries them, after the commit, to the readers that are waiting,
so that a thousand open streams cost no database reads at all. In one process the hub
delivers in memory; with Redis it also publishes to the other processes. Whatever a
transport loses, a sweep catches: every half second one transaction per process compares
the watched runs with their stored progress and tells a reader that is still behind what
the previous sweep found stored to read from the database, and a worker that a cancel never
reached to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from redis.asyncio import Redis

from atrium.kit.db import Database, set_tenant
from atrium.kit.logging import get_logger
from atrium.runs.repository import ACTIVE, run_repository

_log = get_logger("atrium.runs.hub")
K = TypeVar("K")
V = TypeVar("V")
SWEEP_SECONDS = 0.5
CLOSE_DRAIN_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class LiveEvent:
    seq: int
    event: str
    data: Any

    def row(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any]:
        """The event as a `run_events` row of that run."""
        return {
            "tenant_id": tenant_id,
            "run_id": run_id,
            "seq": self.seq,
            "event": self.event,
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class Batch:
    """Events of one run, in order, just committed. `ended`: the run's final status is
    committed too, and `last` is its final sequence number."""

    events: tuple[LiveEvent, ...]
    last: int
    ended: bool = False
    status: str | None = None  # the final status, with `ended`


class Resync:
    """Told to a reader that may have missed a delivery: read the database again."""


RESYNC = Resync()


class Subscription:
    """What the hub delivers for one run to one reader, buffered until it takes it."""

    def __init__(self, tenant_id: uuid.UUID, run_id: uuid.UUID, *, ends_only: bool) -> None:
        self.tenant_id, self.run_id, self.ends_only = tenant_id, run_id, ends_only
        self.last = 0  # the highest sequence number the reader has
        self.status: str | None = None  # the run's status, as last read or delivered
        # What the previous sweep found stored: a delivery still missing one sweep later
        # was lost (one merely in flight is not worth a database read).
        self.stored_at_last_sweep = 0
        self.ended_at_last_sweep = False
        self.delivered_since_sweep = False
        self._items: deque[Batch | Resync] = deque()
        self._ready = asyncio.Event()

    def push(self, item: Batch | Resync) -> None:
        if isinstance(item, Batch):
            self.delivered_since_sweep = True
            if self.ends_only and not item.ended:
                return
        self._items.append(item)
        self._ready.set()

    async def take(self, seconds: float | None) -> list[Batch | Resync]:
        """What came since the last take; waits up to `seconds` (None: until something
        comes) when nothing did."""
        if not self._items:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), seconds)
        self._ready.clear()
        items = list(self._items)
        self._items.clear()
        return items


@contextlib.contextmanager
def _registered(registry: dict[K, set[V]], key: K, item: V) -> Iterator[V]:
    """`item` in `registry[key]` for the block; an emptied key is dropped."""
    registry[key].add(item)
    try:
        yield item
    finally:
        items = registry.get(key)
        if items is not None:
            items.discard(item)
            if not items:
                del registry[key]


class RunHub:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._subscriptions: dict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._executing: dict[uuid.UUID, tuple[uuid.UUID, asyncio.Task[Any]]] = {}
        self._thread_waiters: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(self._sweep_forever()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # delivery

    def publish(self, run_id: uuid.UUID, batch: Batch, *, thread_id: uuid.UUID) -> None:
        """Hand committed events (or a run's end) to every reader of the run, and wake the
        readers of its thread's stream."""
        self.deliver(run_id, batch)
        self.wake_thread_here(thread_id)

    def wake_thread(self, thread_id: uuid.UUID) -> None:
        """Something happened on the thread (a run was created): its stream readers look."""
        self.wake_thread_here(thread_id)

    def wake_thread_here(self, thread_id: uuid.UUID) -> None:
        for event in self._thread_waiters.get(thread_id, ()):
            event.set()

    def thread_wakeups(
        self, thread_id: uuid.UUID
    ) -> contextlib.AbstractContextManager[asyncio.Event]:
        """Set whenever one of the thread's runs has news; the reader clears it."""
        return _registered(self._thread_waiters, thread_id, asyncio.Event())

    def deliver(self, run_id: uuid.UUID, item: Batch | Resync) -> None:
        for subscription in self._subscriptions.get(run_id, ()):
            subscription.push(item)

    def cancel(self, run_id: uuid.UUID) -> None:
        """Stop the run wherever it executes; its cancel request is already committed."""
        self.cancel_here(run_id)

    def cancel_here(self, run_id: uuid.UUID) -> None:
        entry = self._executing.get(run_id)
        if entry is not None:
            entry[1].cancel()

    def wants(self, run_id: uuid.UUID) -> bool:
        return run_id in self._subscriptions or run_id in self._executing

    def subscribe(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID, *, ends_only: bool = False
    ) -> contextlib.AbstractContextManager[Subscription]:
        """Deliveries for one run. Subscribe before reading the run from the database, so
        nothing committed between the read and the first wait is missed."""
        subscription = Subscription(tenant_id, run_id, ends_only=ends_only)
        return _registered(self._subscriptions, run_id, subscription)

    @contextlib.contextmanager
    def executing(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID, task: asyncio.Task[Any]
    ) -> Iterator[None]:
        """The run executes here, in `task`: a cancel for it stops the task."""
        self._executing[run_id] = (tenant_id, task)
        try:
            yield
        finally:
            self._executing.pop(run_id, None)

    # the safety net

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception:  # the database is busy or away: try again on the next round
                _log.exception("runs_sweep_failed")

    async def sweep(self) -> None:
        watched: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for run_id, subscriptions in self._subscriptions.items():
            for subscription in subscriptions:
                watched[subscription.tenant_id].append(run_id)
                break
        for run_id, (tenant_id, _) in self._executing.items():
            watched[tenant_id].append(run_id)
        if not watched:
            return
        swept = {run_id for run_ids in watched.values() for run_id in run_ids}
        progress: dict[uuid.UUID, tuple[str, str | None, int]] = {}
        # Not `transaction(tenant_id=...)`: one sweep reads the runs of every tenant this
        # process watches in one transaction (one per half second, not one per tenant), so
        # it switches the tenant before each tenant's query; RLS still scopes every read.
        async with self._db.transaction() as session:
            for tenant_id, run_ids in watched.items():
                await set_tenant(session, tenant_id)
                progress.update(
                    await run_repository.progress(
                        session, tenant_id=tenant_id, run_ids=sorted(set(run_ids))
                    )
                )
        for run_id, subscriptions in list(self._subscriptions.items()):
            if run_id not in swept:
                continue  # subscribed while this sweep read: the next sweep judges it
            status, _, last = progress.get(run_id, ("deleted", None, 0))
            ended = status not in ACTIVE
            for subscription in list(subscriptions):
                # Deliveries that lag (a busy transport) still arrive: only a reader that got
                # nothing for a whole sweep while behind, or whose run's end never came, reads.
                stalled = not subscription.delivered_since_sweep
                behind = subscription.stored_at_last_sweep > subscription.last
                if stalled and (
                    subscription.ended_at_last_sweep or (not subscription.ends_only and behind)
                ):
                    subscription.push(RESYNC)
                subscription.stored_at_last_sweep, subscription.ended_at_last_sweep = last, ended
                subscription.delivered_since_sweep = False
        for run_id, (_, task) in list(self._executing.items()):
            found = progress.get(run_id)
            if found is not None and found[1] is not None and not task.cancelling():
                task.cancel()


class RedisRunHub(RunHub):
    """The same deliveries across processes: a run's worker may be on another machine than
    its readers. One channel; each message names its kind and run before its body, so a
    process decodes only what one of its readers or runs waits for."""

    CHANNEL = "atrium:runs"

    def __init__(self, db: Database, redis_url: str) -> None:
        super().__init__(db)
        self._redis: Redis = Redis.from_url(redis_url)
        self._origin = uuid.uuid4().hex.encode() + str(os.getpid()).encode()
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue(maxsize=100_000)

    def start(self) -> None:
        super().start()
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._listen()))
        self._tasks.append(loop.create_task(self._send_forever()))

    def publish(self, run_id: uuid.UUID, batch: Batch, *, thread_id: uuid.UUID) -> None:
        super().publish(run_id, batch, thread_id=thread_id)
        body = {
            "events": [[e.seq, e.event, e.data] for e in batch.events],
            "last": batch.last,
            "ended": batch.ended,
            "status": batch.status,
        }
        self._send(b"events", run_id, thread_id, json.dumps(body, default=str).encode())

    def wake_thread(self, thread_id: uuid.UUID) -> None:
        super().wake_thread(thread_id)
        self._send(b"thread", None, thread_id, b"")

    def cancel(self, run_id: uuid.UUID) -> None:
        super().cancel(run_id)
        self._send(b"cancel", run_id, None, b"")

    def _send(
        self, kind: bytes, run_id: uuid.UUID | None, thread_id: uuid.UUID | None, body: bytes
    ) -> None:
        run_hex = run_id.hex.encode() if run_id else b""
        thread_hex = thread_id.hex.encode() if thread_id else b""
        try:
            self._outbox.put_nowait(b"|".join((self._origin, kind, run_hex, thread_hex, body)))
        except asyncio.QueueFull:  # Redis is not keeping up: the sweep delivers instead
            _log.warning("runs_hub_outbox_full")

    async def _send_forever(self) -> None:
        # One sender keeps one process's messages in the order they were published.
        failing = False
        while True:
            message = await self._outbox.get()
            try:
                await self._redis.publish(self.CHANNEL, message)
            except Exception:
                # Once per outage, not once per event; the sweep delivers meanwhile.
                if not failing:
                    _log.warning("runs_hub_publish_failed")
                failing = True
            else:
                if failing:
                    _log.info("runs_hub_publish_recovered")
                failing = False
            finally:
                self._outbox.task_done()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.CHANNEL)
                    # Anything published while not subscribed is gone: readers check the
                    # database now rather than at the next sweep.
                    for subscriptions in list(self._subscriptions.values()):
                        for subscription in subscriptions:
                            subscription.push(RESYNC)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._receive_safely(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: the sweep delivers meanwhile
                _log.warning("runs_hub_redis_unavailable")
                await asyncio.sleep(1.0)

    def _receive_safely(self, message: bytes) -> None:
        # The channel may carry a message this version cannot read (another deployment on
        # the same Redis, a newer replica): drop that one message, keep listening.
        try:
            self._receive(message)
        except (ValueError, KeyError, TypeError):
            _log.warning("runs_hub_message_unreadable", size=len(message))

    def _receive(self, message: bytes) -> None:
        origin, kind, run_hex, thread_hex, body = message.split(b"|", 4)
        if origin == self._origin:
            return
        if thread_hex:
            thread_id = uuid.UUID(thread_hex.decode())
            if thread_id in self._thread_waiters:
                self.wake_thread_here(thread_id)
        if not run_hex:
            return
        run_id = uuid.UUID(run_hex.decode())
        if not self.wants(run_id):
            return
        if kind == b"cancel":
            self.cancel_here(run_id)
        elif kind == b"events":
            data = json.loads(body)
            events = tuple(LiveEvent(seq, event, payload) for seq, event, payload in data["events"])
            self.deliver(run_id, Batch(events, data["last"], data["ended"], data["status"]))

    async def close(self) -> None:
        # What was published before the close still reaches the other processes (the
        # event sink's last flush at a graceful shutdown), within a bounded wait.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_DRAIN_SECONDS):
                await self._outbox.join()
        await super().close()
        await self._redis.aclose()
