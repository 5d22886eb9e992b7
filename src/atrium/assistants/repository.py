"""SQL for assistants and their versions (isolated by row-level security)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.assistants.models import Assistant, AssistantVersion

_SORT = {
    "assistant_id": Assistant.id,
    "graph_id": Assistant.graph_id,
    "name": Assistant.name,
    "created_at": Assistant.created_at,
    "updated_at": Assistant.updated_at,
}


def _filters(
    tenant_id: uuid.UUID,
    metadata: dict[str, Any] | None,
    graph_id: str | None,
    name: str | None,
    project_id: uuid.UUID | None = None,
) -> list[Any]:
    where: list[Any] = [Assistant.tenant_id == tenant_id]
    if project_id is not None:
        where.append(Assistant.project_id == project_id)
    if metadata:
        where.append(Assistant.metadata_.contains(metadata))
    if graph_id:
        where.append(Assistant.graph_id == graph_id)
    if name:
        where.append(Assistant.name.ilike(f"%{_escape_like(name)}%", escape="\\"))
    return where


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class AssistantRepository:
    async def get(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        assistant_id: uuid.UUID,
        lock: bool = False,
    ) -> Assistant | None:
        stmt = select(Assistant).where(
            Assistant.tenant_id == tenant_id, Assistant.id == assistant_id
        )
        if lock:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def add(self, session: AsyncSession, assistant: Assistant) -> None:
        session.add(assistant)
        await session.flush()

    async def add_version(self, session: AsyncSession, version: AssistantVersion) -> None:
        session.add(version)
        await session.flush()

    async def delete(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, assistant_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(Assistant).where(Assistant.tenant_id == tenant_id, Assistant.id == assistant_id)
        )

    async def search(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        metadata: dict[str, Any] | None,
        graph_id: str | None,
        name: str | None,
        limit: int,
        offset: int,
        sort_by: str,
        descending: bool,
        project_id: uuid.UUID | None = None,
    ) -> tuple[list[Assistant], int]:
        where = _filters(tenant_id, metadata, graph_id, name, project_id)
        total = await session.scalar(select(func.count()).select_from(Assistant).where(*where))
        column = _SORT[sort_by]
        order = column.desc() if descending else column.asc()
        rows = await session.scalars(
            select(Assistant)
            .where(*where)
            .order_by(order, Assistant.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0

    async def count(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        metadata: dict[str, Any] | None = None,
        graph_id: str | None = None,
        name: str | None = None,
        project_id: uuid.UUID | None = None,
    ) -> int:
        where = _filters(tenant_id, metadata, graph_id, name, project_id)
        return await session.scalar(select(func.count()).select_from(Assistant).where(*where)) or 0

    async def versions(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        assistant_id: uuid.UUID,
        metadata: dict[str, Any] | None,
        limit: int,
        offset: int,
    ) -> list[AssistantVersion]:
        where: list[Any] = [
            AssistantVersion.tenant_id == tenant_id,
            AssistantVersion.assistant_id == assistant_id,
        ]
        if metadata:
            where.append(AssistantVersion.metadata_.contains(metadata))
        rows = await session.scalars(
            select(AssistantVersion)
            .where(*where)
            .order_by(AssistantVersion.version.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows)

    async def get_version(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, assistant_id: uuid.UUID, version: int
    ) -> AssistantVersion | None:
        stmt = select(AssistantVersion).where(
            AssistantVersion.tenant_id == tenant_id,
            AssistantVersion.assistant_id == assistant_id,
            AssistantVersion.version == version,
        )
        return await session.scalar(stmt)

    async def max_version(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, assistant_id: uuid.UUID
    ) -> int:
        stmt = select(func.max(AssistantVersion.version)).where(
            AssistantVersion.tenant_id == tenant_id, AssistantVersion.assistant_id == assistant_id
        )
        return await session.scalar(stmt) or 0


assistant_repository = AssistantRepository()
