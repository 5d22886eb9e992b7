"""SQL for the audit log. The application role may only INSERT and SELECT here."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.audit.models import AuditEntry


class AuditRepository:
    async def add(self, session: AsyncSession, entry: AuditEntry) -> None:
        session.add(entry)
        await session.flush()

    async def list(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        limit: int,
        offset: int,
        action: str | None = None,
    ) -> tuple[list[AuditEntry], int]:
        where = [AuditEntry.tenant_id == tenant_id]
        if action is not None:
            where.append(AuditEntry.action == action)
        total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
        rows = await session.scalars(
            select(AuditEntry)
            .where(*where)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0


audit_repository = AuditRepository()
