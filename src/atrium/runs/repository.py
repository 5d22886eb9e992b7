"""SQL for runs, their events and their tool calls (isolated by row-level security)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.runs.models import Run, RunEvent, ToolCall
from atrium.runs.schemas import ACTIVE

__all__ = ["ACTIVE", "RunRepository", "run_repository"]


class RunRepository:
    async def add(self, session: AsyncSession, run: Run) -> None:
        session.add(run)
        await session.flush()

    async def get(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_id: uuid.UUID, lock: bool = False
    ) -> Run | None:
        stmt = select(Run).where(Run.tenant_id == tenant_id, Run.id == run_id)
        if lock:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def list_for_thread(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        thread_id: uuid.UUID,
        status: str | None,
        limit: int,
        offset: int,
    ) -> list[Run]:
        where: list[Any] = [Run.tenant_id == tenant_id, Run.thread_id == thread_id]
        if status:
            where.append(Run.status == status)
        rows = await session.scalars(
            select(Run)
            .where(*where)
            .order_by(Run.created_at.desc(), Run.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows)

    async def lock_tenant_runs(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> None:
        """Serialise run creation within one tenant until this transaction ends, so two
        concurrent creations cannot both see room for one more run."""
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"atrium.runs.concurrent:{tenant_id}"},
        )

    async def count_active(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> int:
        count = await session.scalar(
            select(func.count())
            .select_from(Run)
            .where(Run.tenant_id == tenant_id, Run.status.in_(ACTIVE))
        )
        return count or 0

    async def active_for_thread(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> list[Run]:
        rows = await session.scalars(
            select(Run)
            .where(Run.tenant_id == tenant_id, Run.thread_id == thread_id, Run.status.in_(ACTIVE))
            .order_by(Run.created_at)
        )
        return list(rows)

    async def active(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        thread_id: uuid.UUID | None,
        run_ids: list[uuid.UUID] | None,
        status: str | None,
    ) -> list[Run]:
        where: list[Any] = [Run.tenant_id == tenant_id]
        if thread_id is not None:
            where.append(Run.thread_id == thread_id)
        if run_ids:
            where.append(Run.id.in_(run_ids))
        if status in ACTIVE:
            where.append(Run.status == status)
        else:
            where.append(Run.status.in_(ACTIVE))
        return list(await session.scalars(select(Run).where(*where)))

    async def delete(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> None:
        await session.execute(delete(Run).where(Run.tenant_id == tenant_id, Run.id == run_id))

    async def request_cancel(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_id: uuid.UUID, action: str
    ) -> None:
        await session.execute(
            update(Run)
            .where(Run.tenant_id == tenant_id, Run.id == run_id)
            .values(cancel_action=action)
        )

    async def cancel_requested(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> str | None:
        return await session.scalar(
            select(Run.cancel_action).where(Run.tenant_id == tenant_id, Run.id == run_id)
        )

    async def progress(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, str | None, int]]:
        """Status, requested cancel action and last event number of each of these runs."""
        last = (
            select(func.coalesce(func.max(RunEvent.seq), 0))
            .where(RunEvent.tenant_id == Run.tenant_id, RunEvent.run_id == Run.id)
            .scalar_subquery()
        )
        rows = await session.execute(
            select(Run.id, Run.status, Run.cancel_action, last).where(
                Run.tenant_id == tenant_id, Run.id.in_(run_ids)
            )
        )
        return {row[0]: (row[1], row[2], int(row[3])) for row in rows}

    async def status(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> str | None:
        return await session.scalar(
            select(Run.status).where(Run.tenant_id == tenant_id, Run.id == run_id)
        )

    async def thread_clock(self, session: AsyncSession) -> Any:
        """The database's current time, the start of a thread stream."""
        return await session.scalar(select(func.now()))

    async def runs_for_stream(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        thread_id: uuid.UUID,
        since: Any,
        include: uuid.UUID | None,
    ) -> list[Run]:
        """Runs of a thread that are active, started since `since`, or named by `include`."""
        condition = or_(Run.status.in_(ACTIVE), Run.created_at >= since)
        if include is not None:
            condition = or_(condition, Run.id == include)
        rows = await session.scalars(
            select(Run)
            .where(Run.tenant_id == tenant_id, Run.thread_id == thread_id, condition)
            .order_by(Run.created_at, Run.id)
        )
        return list(rows)

    # events

    async def add_events(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        """Store events; one already stored (same run and sequence number) is kept as is,
        so writing a batch again after an uncertain commit is harmless."""
        if rows:
            stmt = pg_insert(RunEvent).on_conflict_do_nothing(
                index_elements=["tenant_id", "run_id", "seq"]
            )
            await session.execute(stmt, rows)

    async def events_after(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        run_id: uuid.UUID,
        after: int,
        limit: int = 1000,
    ) -> list[RunEvent]:
        rows = await session.scalars(
            select(RunEvent)
            .where(RunEvent.tenant_id == tenant_id, RunEvent.run_id == run_id, RunEvent.seq > after)
            .order_by(RunEvent.seq)
            .limit(limit)
        )
        return list(rows)

    async def last_seq(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> int:
        return (
            await session.scalar(
                select(func.coalesce(func.max(RunEvent.seq), 0)).where(
                    RunEvent.tenant_id == tenant_id, RunEvent.run_id == run_id
                )
            )
            or 0
        )

    async def add_tool_calls(self, session: AsyncSession, rows: list[ToolCall]) -> None:
        session.add_all(rows)
        await session.flush()


run_repository = RunRepository()
