"""SQL for thread share links (isolated by row-level security; who may see or revoke which
link is the service's rule)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.threads.models import ThreadShare


class ThreadShareRepository:
    async def add(self, session: AsyncSession, share: ThreadShare) -> ThreadShare:
        session.add(share)
        await session.flush()
        await session.refresh(share)
        return share

    async def get(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, share_id: uuid.UUID
    ) -> ThreadShare | None:
        return await session.scalar(
            select(ThreadShare).where(
                ThreadShare.tenant_id == tenant_id, ThreadShare.id == share_id
            )
        )

    async def list_for_thread(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, thread_id: uuid.UUID, limit: int
    ) -> list[ThreadShare]:
        rows = await session.scalars(
            select(ThreadShare)
            .where(ThreadShare.tenant_id == tenant_id, ThreadShare.thread_id == thread_id)
            .order_by(ThreadShare.created_at.desc(), ThreadShare.id)
            .limit(limit)
        )
        return list(rows)

    async def count_live(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> int:
        count = await session.scalar(
            select(func.count())
            .select_from(ThreadShare)
            .where(
                ThreadShare.tenant_id == tenant_id,
                ThreadShare.thread_id == thread_id,
                ThreadShare.revoked_at.is_(None),
            )
        )
        return count or 0


thread_share_repository = ThreadShareRepository()
