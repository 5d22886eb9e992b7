"""SQL for usage records: batched inserts and roll-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.usage.models import UsageRecord
from atrium.usage.schemas import UsageGroup

# Each roll-up dimension, in the order rows are sorted by.
_COLUMNS: dict[UsageGroup, ColumnElement[Any]] = {
    UsageGroup.day: cast(func.date_trunc("day", UsageRecord.created_at), Date).label("day"),
    UsageGroup.tenant: UsageRecord.tenant_id.label("tenant_id"),
    UsageGroup.user: UsageRecord.user_id.label("user_id"),
    UsageGroup.key: UsageRecord.api_key_id.label("api_key_id"),
    UsageGroup.assistant: UsageRecord.assistant_id.label("assistant_id"),
    UsageGroup.model: UsageRecord.model.label("model"),
}


class UsageRepository:
    async def insert_many(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        await session.execute(insert(UsageRecord), rows)

    async def rollup(
        self,
        session: AsyncSession,
        *,
        since: dt.datetime,
        until: dt.datetime,
        group_by: Sequence[UsageGroup],
        limit: int,
        tenant_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        api_key_id: uuid.UUID | None = None,
    ) -> list[dict[str, Any]]:
        """Requests, tokens, cost and errors summed per group, at most `limit` rows. Every
        filter given narrows; row-level security decides which tenants are visible."""
        groups = [column for group, column in _COLUMNS.items() if group in group_by]
        stmt = (
            select(
                *groups,
                func.count().label("requests"),
                func.coalesce(func.sum(UsageRecord.input_tokens), 0).label("input_tokens"),
                func.coalesce(func.sum(UsageRecord.output_tokens), 0).label("output_tokens"),
                func.coalesce(func.sum(UsageRecord.cost_usd), literal(0)).label("cost_usd"),
                func.count().filter(UsageRecord.status == "error").label("errors"),
            )
            .where(UsageRecord.created_at >= since, UsageRecord.created_at < until)
            .group_by(*groups)
            .order_by(*groups)
            .limit(limit)
        )
        if tenant_id is not None:
            stmt = stmt.where(UsageRecord.tenant_id == tenant_id)
        if user_id is not None:
            stmt = stmt.where(UsageRecord.user_id == user_id)
        if api_key_id is not None:
            stmt = stmt.where(UsageRecord.api_key_id == api_key_id)
        return [dict(row._mapping) for row in await session.execute(stmt)]


usage_repository = UsageRepository()
