"""SQL of the tools domain: invocation records (on runs of threads) and the tenant's outbound
allowlist."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.runs.models import Run, ToolCall
from atrium.tenants.models import Tenant
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

    async def allowlist(self, session: AsyncSession, tenant_id: uuid.UUID) -> list[str] | None:
        found = await session.scalar(
            select(Tenant.outbound_allowlist).where(Tenant.id == tenant_id)
        )
        return list(found) if found is not None else None

    async def outbound_settings(
        self, session: AsyncSession, tenant_id: uuid.UUID
    ) -> tuple[bool, list[str]] | None:
        row = (
            await session.execute(
                select(Tenant.allow_private_provider_urls, Tenant.outbound_allowlist).where(
                    Tenant.id == tenant_id
                )
            )
        ).first()
        return (bool(row[0]), list(row[1])) if row is not None else None

    async def set_allowlist(
        self, session: AsyncSession, tenant_id: uuid.UUID, hosts: list[str]
    ) -> None:
        await session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(outbound_allowlist=hosts, updated_at=func.now())
        )


tool_repository = ToolRepository()
