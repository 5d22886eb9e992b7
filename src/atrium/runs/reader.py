"""Reading a run's events as they come: what is stored first, then what the hub delivers,
back to the database only when a delivery was missed (a gap in the sequence numbers, or a
sweep that saw more stored than delivered)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import sqlalchemy.exc

from atrium.kit.db import Database
from atrium.kit.logging import get_logger
from atrium.runs.hub import Batch, LiveEvent, RunHub, Subscription
from atrium.runs.repository import run_repository
from atrium.runs.schemas import ACTIVE, RunStatus

_log = get_logger("atrium.runs.reader")
PAGE = 1000
RETRY_SECONDS = 0.5
# Catch-up reads per process at once: under a burst they queue rather than take every
# pooled connection from the requests being served.
CATCH_UP_READS = 4


class RunReader:
    """Follows runs for the streams, joins and waits of one process."""

    def __init__(self, *, db: Database, hub: RunHub, catch_up_reads: int = CATCH_UP_READS) -> None:
        self._db, self._hub = db, hub
        self._catching_up = asyncio.Semaphore(catch_up_reads)

    async def _stored(self, sub: Subscription) -> tuple[list[LiveEvent], str | None, bool]:
        """Stored events after the reader's position, the run's status, and whether the run
        has ended with these events. The response is already streaming, so a busy or briefly
        unreachable database is waited out rather than allowed to break it."""
        while True:
            try:
                async with self._catching_up:
                    return await self._read_stored(sub)
            except (sqlalchemy.exc.TimeoutError, sqlalchemy.exc.OperationalError):
                _log.warning("run_catch_up_retry", run_id=str(sub.run_id))
                await asyncio.sleep(RETRY_SECONDS)

    async def _read_stored(self, sub: Subscription) -> tuple[list[LiveEvent], str | None, bool]:
        async with self._db.transaction(tenant_id=sub.tenant_id) as session:
            # Status first: once it is final, every event was committed before it, so the
            # read that follows sees them all.
            status = await run_repository.status(
                session, tenant_id=sub.tenant_id, run_id=sub.run_id
            )
            rows = await run_repository.events_after(
                session, tenant_id=sub.tenant_id, run_id=sub.run_id, after=sub.last, limit=PAGE
            )
        events = [LiveEvent(row.seq, row.event, row.data) for row in rows]
        return events, status, (status is None or status not in ACTIVE) and len(rows) < PAGE

    async def read_run(
        self,
        tenant_id: uuid.UUID,
        run_id: uuid.UUID,
        *,
        after: int,
        idle_seconds: float,
        with_end: bool = False,
        just_created: bool = False,
    ) -> AsyncIterator[list[LiveEvent]]:
        """A run's events after `after`, in order, without gaps or repeats, until it ends; an
        empty list after each `idle_seconds` of silence (time for a heartbeat). `with_end`: a
        last `end` event carries the run's final status (`interrupted` for a run that is
        gone, e.g. rolled back). `just_created`: the run was committed a moment ago with
        nothing after `after`, so reading starts with the hub's deliveries; a gap in them,
        or the sweep, sends the reader to the database if the worker was quicker than the
        subscription."""
        with self._hub.subscribe(tenant_id, run_id) as sub:
            sub.last = after
            async for events in self._follow(sub, idle_seconds, from_database=not just_created):
                yield events
        if with_end:
            final = sub.status if sub.status not in (None, *ACTIVE) else RunStatus.interrupted
            yield [LiveEvent(sub.last, "end", {"run_id": str(run_id), "status": final})]

    async def _follow(
        self, sub: Subscription, idle_seconds: float, *, from_database: bool
    ) -> AsyncIterator[list[LiveEvent]]:
        while True:
            if from_database:
                events, sub.status, ended = await self._stored(sub)
                if events:
                    sub.last = events[-1].seq
                    yield events
                if ended:
                    return
                if len(events) == PAGE:
                    continue
                from_database = False
            items = await sub.take(idle_seconds)
            if not items:
                yield []
                continue
            for item in items:
                if not isinstance(item, Batch):
                    from_database = True
                    break
                fresh = [e for e in item.events if e.seq > sub.last]
                if fresh and fresh[0].seq != sub.last + 1:
                    from_database = True  # something before these was not delivered
                    break
                if fresh:
                    sub.last = fresh[-1].seq
                    yield fresh
                if item.ended:
                    if sub.last >= item.last:
                        sub.status = item.status
                        return
                    from_database = True
                    break

    async def wait_ended(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> None:
        """Until the run has ended (or is gone), woken by its end (or the sweep's word that
        the end was missed) rather than by polling."""
        with self._hub.subscribe(tenant_id, run_id, ends_only=True) as sub:
            while True:
                async with self._db.transaction(tenant_id=tenant_id) as session:
                    status = await run_repository.status(
                        session, tenant_id=tenant_id, run_id=run_id
                    )
                if status is None or status not in ACTIVE:
                    return
                items = await sub.take(None)
                if any(isinstance(item, Batch) and item.ended for item in items):
                    return
