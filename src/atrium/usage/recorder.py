"""Usage records are written off the request path: calls append to a queue, a background task
writes batches (one transaction, one INSERT per tenant in it), and shutdown flushes whatever
is left, so nothing is lost on a graceful stop. A record the database refuses is isolated and
set aside, so it never holds up the others (`atrium.kit.batches`)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.batches import DropLog, Isolation, is_row_error, rejected
from atrium.kit.db import Database, set_tenant
from atrium.kit.logging import get_logger
from atrium.usage.repository import usage_repository

_log = get_logger("atrium.usage")
# Flush early at this many records: one insert of a few hundred rows holds the event loop
# long enough to show in every request's tail latency (measured: gateway P99 at 500 req/s
# went from 90 ms with 500 to 46 ms with 100; benchmarks/RESULTS.md).
_BATCH = 100
_SLICE = 25
# About 50 MB of records: a database away for minutes under load, not a reason to run out of
# memory.
MAX_PENDING = 100_000
_REJECTED_KEPT = 100
_CLOSE_ATTEMPTS = 3
_WRITER = "usage"


@dataclass(frozen=True, slots=True)
class UsageEvent:
    tenant_id: uuid.UUID
    kind: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    latency_ms: int
    status: str
    created_at: dt.datetime
    estimated: bool = False
    unpriced: bool = False
    ttft_ms: int | None = None
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    assistant_id: uuid.UUID | None = None
    request_id: str | None = None


class UsageRecorder:
    """Usage records of every tenant, queued and written in batches.

    A record the database refuses is set aside (`rejected`, counted and logged) and the rest
    are written; the queue is bounded, so a database that stays away costs records (counted
    and logged) rather than the process's memory; closing never raises."""

    def __init__(
        self, db: Database, *, flush_seconds: float, max_pending: int = MAX_PENDING
    ) -> None:
        self._db = db
        self._flush_seconds = flush_seconds
        self._max_pending = max_pending
        self._pending: list[UsageEvent] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._drops = DropLog(_WRITER)
        # The last records set aside, for an operator to look at; their number is a metric.
        self.rejected: deque[UsageEvent] = deque(maxlen=_REJECTED_KEPT)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="usage-recorder")

    def record(self, event: UsageEvent) -> None:
        if len(self._pending) >= self._max_pending:
            self._drops.dropped("queue_full")
            return
        self._pending.append(event)
        if len(self._pending) >= _BATCH:
            self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_seconds)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # keep the loop alive; the batch is retried next round
                _log.exception("usage_flush_failed", pending=len(self._pending))

    async def flush(self) -> int:
        """Writes the queued records; returns how many were taken (written or set aside).
        Raises when the database cannot be reached; the records not written stay queued."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                await self._store_together(batch)
            except Exception as exc:
                if not is_row_error(exc):
                    self._put_back(batch)
                    raise
                await self._store_isolating(batch)
            except BaseException:
                self._put_back(batch)
                raise
            return len(batch)

    async def _store_together(self, batch: list[UsageEvent]) -> None:
        # One transaction for the whole batch, switching tenant between slices, is the
        # exception to "a transaction scoped to one tenant": a flush per tenant would cost a
        # round trip (and a pooled connection) per tenant per second.
        async with self._db.transaction() as session:
            for tenant_id, events in _by_tenant(batch).items():
                await set_tenant(session, tenant_id)
                await _insert(session, events)

    async def _store_isolating(self, batch: list[UsageEvent]) -> None:
        """After a batch failed because of some record: each tenant's records in
        transactions of their own, halved down to the records that fail alone."""
        groups = list(_by_tenant(batch).items())
        for index, (tenant_id, events) in enumerate(groups):
            isolation = Isolation(events)

            async def store(part: list[UsageEvent], tenant_id: uuid.UUID = tenant_id) -> None:
                async with self._db.transaction(tenant_id=tenant_id) as session:
                    await _insert(session, part)

            try:
                await isolation.run(store)
            except BaseException:
                later = [e for _, rest in groups[index + 1 :] for e in rest]
                self._put_back(isolation.unstored() + later)
                raise
            finally:
                for event, error in isolation.rejected:
                    self.rejected.append(event)
                    rejected(_WRITER, error, tenant_id=str(tenant_id), kind=event.kind)

    def _put_back(self, events: list[UsageEvent]) -> None:
        """In front of the queue, in order; beyond the bound, the newest records go."""
        self._pending[:0] = events
        excess = len(self._pending) - self._max_pending
        if excess > 0:
            del self._pending[-excess:]
            self._drops.dropped("queue_full", excess)

    async def close(self) -> None:
        """Stops the writer and writes what it can; never raises, so a database gone at
        shutdown does not fail the application's shutdown (the records lost are counted)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for attempt in range(_CLOSE_ATTEMPTS):
            if not self._pending:
                return
            try:
                await self.flush()
            except Exception:
                _log.exception("usage_flush_failed", pending=len(self._pending), closing=True)
                await asyncio.sleep(0.2 * (attempt + 1))
        if self._pending:
            self._drops.dropped("shutdown", len(self._pending))
            self._pending = []


def _by_tenant(batch: list[UsageEvent]) -> dict[uuid.UUID, list[UsageEvent]]:
    by_tenant: dict[uuid.UUID, list[UsageEvent]] = {}
    for event in batch:
        by_tenant.setdefault(event.tenant_id, []).append(event)
    return by_tenant


async def _insert(session: AsyncSession, events: list[UsageEvent]) -> None:
    # In slices: rendering one statement's parameters holds the event loop, and requests
    # are served between the slices.
    for start in range(0, len(events), _SLICE):
        rows = [asdict(e) for e in events[start : start + _SLICE]]
        await usage_repository.insert_many(session, rows)
