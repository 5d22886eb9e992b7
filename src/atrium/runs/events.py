"""Writing a run's events: each run numbers its own, and one sink per process stores the
events of all its runs together, a transaction per round rather than one per run, then hands
them to the hub for the readers that wait. An event the database refuses is isolated and set
aside, so it never holds up the others (`atrium.kit.batches`)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict, deque
from typing import Any

from atrium.kit.batches import DropLog, Isolation, is_row_error, rejected
from atrium.kit.db import Database, set_tenant
from atrium.kit.logging import get_logger
from atrium.runs.hub import Batch, LiveEvent, RunHub
from atrium.runs.repository import run_repository

_log = get_logger("atrium.runs.events")
RETRY_SECONDS = 0.2
# Events waiting to be stored, across the runs of the process: a database away for a while
# under load, not a reason to run out of memory.
MAX_PENDING = 200_000
_REJECTED_KEPT = 100
_WRITER = "run_events"


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
        # An event the sink has no room for is dropped before it is numbered, so the
        # numbers stay without gaps and `flush` does not wait for it.
        if not self._sink.admit():
            return
        self.seq += 1
        self._pending.append(LiveEvent(self.seq, event, data))
        self._sink.wake(self)

    async def flush(self) -> None:
        """Until every event emitted so far is stored (raises if storing fails)."""
        while self.stored < self.seq:  # some may be in a round that another caller started
            await self._sink.flush()

    def take(self) -> list[LiveEvent]:
        events, self._pending = self._pending, []
        self._sink.taken(len(events))
        return events

    def restore(self, events: list[LiveEvent]) -> None:
        self._pending[:0] = events
        self._sink.taken(-len(events))


class EventSink:
    """Stores the events of every run of the process. An event the database refuses is set
    aside (`rejected`, counted and logged) and the others are stored; the events waiting are
    bounded, so a database that stays away costs events (counted) rather than memory."""

    def __init__(self, db: Database, hub: RunHub, *, max_pending: int = MAX_PENDING) -> None:
        self._db, self._hub = db, hub
        self._max_pending = max_pending
        self._pending = 0
        self._drops = DropLog(_WRITER)
        self.rejected: deque[dict[str, Any]] = deque(maxlen=_REJECTED_KEPT)
        self._waiting: dict[uuid.UUID, EventWriter] = {}
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def writer(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID, thread_id: uuid.UUID, last_seq: int
    ) -> EventWriter:
        return EventWriter(self, tenant_id, run_id, thread_id, last_seq)

    def admit(self) -> bool:
        """Whether one more event may wait to be stored; counts it if so."""
        if self._pending >= self._max_pending:
            self._drops.dropped("queue_full")
            return False
        self._pending += 1
        return True

    def taken(self, count: int) -> None:
        self._pending -= count

    def wake(self, writer: EventWriter) -> None:
        self._waiting[writer.run_id] = writer
        self._ready.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._flush_forever())

    async def close(self) -> None:
        """Stops the sink and stores what it can; never raises (the events lost are
        counted)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await self.flush()
        except Exception:
            _log.exception("run_events_flush_failed", closing=True)
            if self._pending:
                self._drops.dropped("shutdown", self._pending)

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
            refused: set[tuple[uuid.UUID, int]] = set()
            try:
                try:
                    await self._store_together(taken)
                except Exception as exc:
                    if not is_row_error(exc):
                        raise
                    await self._store_isolating(taken, refused)
            except BaseException:
                self._keep(taken, refused)
                raise
            for writer, events in taken:
                writer.stored = events[-1].seq
                kept = tuple(e for e in events if (writer.run_id, e.seq) not in refused)
                self._hub.publish(
                    writer.run_id, Batch(kept, events[-1].seq), thread_id=writer.thread_id
                )

    async def _store_together(self, taken: list[tuple[EventWriter, list[LiveEvent]]]) -> None:
        by_tenant: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        for writer, events in taken:
            by_tenant[writer.tenant_id].extend(
                e.row(writer.tenant_id, writer.run_id) for e in events
            )
        # Not `transaction(tenant_id=...)`: one round stores the events of every run of this
        # process in one transaction, so it switches the tenant before each tenant's rows;
        # RLS checks every row against the tenant set for it.
        async with self._db.transaction() as session:
            for tenant_id, rows in by_tenant.items():
                await set_tenant(session, tenant_id)
                await run_repository.add_events(session, rows)

    async def _store_isolating(
        self,
        taken: list[tuple[EventWriter, list[LiveEvent]]],
        refused: set[tuple[uuid.UUID, int]],
    ) -> None:
        """After a round failed because of some event: each tenant's events in transactions
        of their own, halved down to the events that fail alone, which go to `refused`."""
        by_tenant: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        for writer, events in taken:
            by_tenant[writer.tenant_id].extend(
                e.row(writer.tenant_id, writer.run_id) for e in events
            )
        for tenant_id, rows in by_tenant.items():
            isolation = Isolation(rows)

            async def store(part: list[dict[str, Any]], tenant_id: uuid.UUID = tenant_id) -> None:
                async with self._db.transaction(tenant_id=tenant_id) as session:
                    await run_repository.add_events(session, part)

            try:
                await isolation.run(store)
            finally:
                for row, error in isolation.rejected:
                    refused.add((row["run_id"], row["seq"]))
                    self.rejected.append(row)
                    rejected(
                        _WRITER,
                        error,
                        tenant_id=str(tenant_id),
                        run_id=str(row["run_id"]),
                        seq=row["seq"],
                    )

    def _keep(
        self,
        taken: list[tuple[EventWriter, list[LiveEvent]]],
        refused: set[tuple[uuid.UUID, int]],
    ) -> None:
        # Kept, in order, for the next round; storing them twice is harmless.
        for writer, events in taken:
            writer.restore([e for e in events if (writer.run_id, e.seq) not in refused])
            self._waiting[writer.run_id] = writer
        self._ready.set()
