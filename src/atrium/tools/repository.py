"""SQL of the tools domain: invocation records (on runs of threads)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.runs.models import Run, ToolCall
from atrium.threads.models import Thread


class ToolRepository:
    async def invocations(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        owner_id: uuid.UUID | None,
        run_id: uuid.UUID | None,
        thread_id: uuid.UUID | None,
        name: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[ToolCall, uuid.UUID]], int]:
        """Tool calls of the tenant's runs, newest first, with each run's thread; with
        `owner_id`, only those on that user's threads."""
        where = [ToolCall.tenant_id == tenant_id]
        if owner_id is not None:
            where.append(Thread.user_id == owner_id)
        if run_id is not None:
            where.append(ToolCall.run_id == run_id)
        if thread_id is not None:
            where.append(Run.thread_id == thread_id)
        if name is not None:
            where.append(ToolCall.name == name)
        joined = (
            select(ToolCall, Run.thread_id)
            .join(Run, (Run.tenant_id == ToolCall.tenant_id) & (Run.id == ToolCall.run_id))
            .join(Thread, (Thread.tenant_id == Run.tenant_id) & (Thread.id == Run.thread_id))
            .where(*where)
        )
        total = await session.scalar(select(func.count()).select_from(joined.subquery()))
        rows = await session.execute(
            joined.order_by(ToolCall.created_at.desc(), ToolCall.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(call, thread) for call, thread in rows.tuples()], total or 0


tool_repository = ToolRepository()
