"""Writing a run's events: each run numbers its own, and one sink per process stores the
events of all its runs together, a transaction per round rather than one per run, then hands
them to the hub for the readers that wait."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from typing import Any

from atrium.kit.db import Database, set_tenant
from atrium.kit.logging import get_logger
from atrium.runs.hub import Batch, LiveEvent, RunHub
from atrium.runs.repository import run_repository

_log = get_logger("atrium.runs.events")
RETRY_SECONDS = 0.2


class EventWriter:
    """The events of one run, numbered; stored by the sink."""

    def __init__(
        self,
        sink: EventSink,
        tenant_id: uuid.UUID,
        run_id: uuid.UUID,
        thread_id: uuid.UUID,
        last_seq: int,
    ) -> None:
        self.tenant_id, self.run_id, self.seq = tenant_id, run_id, last_seq
        self.thread_id = thread_id
        self.stored = last_seq
        self._sink = sink
        self._pending: list[LiveEvent] = []

    def emit(self, event: str, data: Any) -> None:
        self.seq += 1
        self._pending.append(LiveEvent(self.seq, event, data))
        self._sink.wake(self)

    async def flush(self) -> None:
        """Until every event emitted so far is stored (raises if storing fails)."""
        while self.stored < self.seq:  # some may be in a round that another caller started
            await self._sink.flush()

    def take(self) -> list[LiveEvent]:
        events, self._pending = self._pending, []
        return events

    def restore(self, events: list[LiveEvent]) -> None:
        self._pending[:0] = events


class EventSink:
    def __init__(self, db: Database, hub: RunHub) -> None:
        self._db, self._hub = db, hub
        self._waiting: dict[uuid.UUID, EventWriter] = {}
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def writer(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID, thread_id: uuid.UUID, last_seq: int
    ) -> EventWriter:
        return EventWriter(self, tenant_id, run_id, thread_id, last_seq)

    def wake(self, writer: EventWriter) -> None:
        self._waiting[writer.run_id] = writer
        self._ready.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._flush_forever())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _flush_forever(self) -> None:
        # No timer: a round starts as soon as something waits, and whatever is emitted
        # while a round commits goes into the next one, so batches grow with the load.
        while True:
            await self._ready.wait()
            try:
                await self.flush()
            except Exception:  # kept by the writers; tried again shortly
                _log.exception("run_events_flush_failed")
                await asyncio.sleep(RETRY_SECONDS)

    async def flush(self) -> None:
        async with self._lock:
            self._ready.clear()
            writers, self._waiting = list(self._waiting.values()), {}
            taken = [(writer, writer.take()) for writer in writers]
            taken = [(writer, events) for writer, events in taken if events]
            if not taken:
                return
            by_tenant: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
            for writer, events in taken:
                by_tenant[writer.tenant_id].extend(
                    e.row(writer.tenant_id, writer.run_id) for e in events
                )
            try:
                # Not `transaction(tenant_id=...)`: one round stores the events of every run
                # of this process in one transaction, so it switches the tenant before each
                # tenant's rows; RLS checks every row against the tenant set for it.
                async with self._db.transaction() as session:
                    for tenant_id, rows in by_tenant.items():
                        await set_tenant(session, tenant_id)
                        await run_repository.add_events(session, rows)
            except BaseException:
                # Kept, in order, for the next round; storing them twice is harmless.
                for writer, events in taken:
                    writer.restore(events)
                    self._waiting[writer.run_id] = writer
                self._ready.set()
                raise
            for writer, events in taken:
                writer.stored = events[-1].seq
                self._hub.publish(
                    writer.run_id,
                    Batch(tuple(events), events[-1].seq),
                    thread_id=writer.thread_id,
                )
