"""SQL for projects (isolated by row-level security)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.projects.models import Project


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ProjectRepository:
    async def add(self, session: AsyncSession, project: Project) -> None:
        session.add(project)
        await session.flush()
        await session.refresh(project)

    async def get(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        project_id: uuid.UUID,
        lock: bool = False,
    ) -> Project | None:
        stmt = select(Project).where(Project.tenant_id == tenant_id, Project.id == project_id)
        if lock:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def hold(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, project_id: uuid.UUID
    ) -> bool:
        """Whether the project exists, held (FOR KEY SHARE) until the transaction ends, so a
        concurrent delete waits instead of breaking the row about to point at it."""
        stmt = (
            select(Project.id)
            .where(Project.tenant_id == tenant_id, Project.id == project_id)
            .with_for_update(key_share=True, read=True)
        )
        return await session.scalar(stmt) is not None

    async def list(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        name: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Project], int]:
        where: list[Any] = [Project.tenant_id == tenant_id]
        if name:
            where.append(Project.name.ilike(f"%{_escape_like(name)}%", escape="\\"))
        total = await session.scalar(select(func.count()).select_from(Project).where(*where))
        rows = await session.scalars(
            select(Project)
            .where(*where)
            .order_by(func.lower(Project.name), Project.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0

    async def flush(self, session: AsyncSession, project: Project) -> None:
        await session.flush()
        await session.refresh(project)

    async def delete(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, project_id: uuid.UUID
    ) -> None:
        # Its assistants, threads and bases stay, unassigned (ON DELETE SET NULL).
        await session.execute(
            delete(Project).where(Project.tenant_id == tenant_id, Project.id == project_id)
        )


project_repository = ProjectRepository()
