"""SQL for threads (isolated by row-level security; visibility by owner in the service)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Text, case, delete, exists, func, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.threads.models import Thread

_SORT = {
    "thread_id": Thread.id,
    "status": Thread.status,
    "created_at": Thread.created_at,
    "updated_at": Thread.updated_at,
    "state_updated_at": Thread.updated_at,
}


def _filters(
    tenant_id: uuid.UUID,
    user_id: uuid.UUID | None,
    metadata: dict[str, Any] | None,
    values: dict[str, Any] | None,
    status: str | None,
    ids: list[uuid.UUID] | None,
    project_id: uuid.UUID | None = None,
) -> list[Any]:
    where: list[Any] = [Thread.tenant_id == tenant_id]
    if project_id is not None:
        where.append(Thread.project_id == project_id)
    if user_id is not None:
        where.append(Thread.user_id == user_id)
    if metadata:
        where.append(Thread.metadata_.contains(metadata))
    if values:
        where.append(Thread.values.contains(values))
    if status:
        where.append(Thread.status == status)
    if ids:
        where.append(Thread.id.in_(ids))
    return where


class ThreadRepository:
    async def add(self, session: AsyncSession, thread: Thread) -> None:
        session.add(thread)
        await session.flush()

    async def get(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        thread_id: uuid.UUID,
        lock: bool = False,
    ) -> Thread | None:
        stmt = select(Thread).where(Thread.tenant_id == tenant_id, Thread.id == thread_id)
        if lock:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def owned_ids(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        thread_ids: set[uuid.UUID],
    ) -> set[uuid.UUID]:
        rows = await session.scalars(
            select(Thread.id).where(
                Thread.tenant_id == tenant_id,
                Thread.user_id == user_id,
                Thread.id.in_(thread_ids),
            )
        )
        return set(rows)

    async def delete(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(Thread).where(Thread.tenant_id == tenant_id, Thread.id == thread_id)
        )

    async def search(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID | None,
        metadata: dict[str, Any] | None,
        values: dict[str, Any] | None,
        status: str | None,
        ids: list[uuid.UUID] | None,
        limit: int,
        offset: int,
        sort_by: str,
        descending: bool,
        project_id: uuid.UUID | None = None,
    ) -> list[Thread]:
        where = _filters(tenant_id, user_id, metadata, values, status, ids, project_id)
        column = _SORT[sort_by]
        rows = await session.scalars(
            select(Thread)
            .where(*where)
            .order_by(column.desc() if descending else column.asc(), Thread.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows)

    async def count(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID | None,
        metadata: dict[str, Any] | None,
        values: dict[str, Any] | None,
        status: str | None,
        project_id: uuid.UUID | None = None,
    ) -> int:
        where = _filters(tenant_id, user_id, metadata, values, status, None, project_id)
        return await session.scalar(select(func.count()).select_from(Thread).where(*where)) or 0

    async def find_text(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID | None,
        pattern: str,
        limit: int,
        project_id: uuid.UUID | None = None,
    ) -> list[Thread]:
        """Threads whose title or any message's text matches `pattern` (an ILIKE pattern
        whose `%`, `_` and `\\` the caller escaped), newest first."""
        # Only an array is read as messages: a thread whose state holds something else there
        # (state is written by graphs and by `POST /threads/{id}/state`) must not make every
        # search of its tenant fail with "cannot extract elements from an object".
        messages = case(
            (func.jsonb_typeof(Thread.values["messages"]) == "array", Thread.values["messages"]),
            else_=text("'[]'::jsonb"),
        )
        message = func.jsonb_array_elements(messages).table_valued("value").alias("message")
        content = literal_column("message.value").op("->>", return_type=Text)("content")
        in_messages = exists(select(1).select_from(message).where(content.ilike(pattern)))
        title = Thread.metadata_.op("->>", return_type=Text)("title")
        where = _filters(tenant_id, user_id, None, None, None, None, project_id)
        rows = await session.scalars(
            select(Thread)
            .where(*where, or_(title.ilike(pattern), in_messages))
            .order_by(Thread.updated_at.desc(), Thread.id)
            .limit(limit)
        )
        return list(rows)


thread_repository = ThreadRepository()
