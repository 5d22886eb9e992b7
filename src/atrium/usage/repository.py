"""SQL for usage records: batched inserts and sums."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Date, cast, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.usage.models import UsageRecord


class UsageRepository:
    async def insert_many(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        await session.execute(insert(UsageRecord), rows)

    async def summary(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        since: dt.datetime,
        until: dt.datetime,
        by_day: bool,
        by_model: bool,
        by_key: bool,
    ) -> list[dict[str, Any]]:
        day = cast(func.date_trunc("day", UsageRecord.created_at), Date).label("day")
        model = UsageRecord.model.label("model")
        key = UsageRecord.api_key_id.label("api_key_id")
        groups = [c for c, on in ((day, by_day), (model, by_model), (key, by_key)) if on]
        stmt = (
            select(
                *groups,
                func.count().label("requests"),
                func.coalesce(func.sum(UsageRecord.input_tokens), 0).label("input_tokens"),
                func.coalesce(func.sum(UsageRecord.output_tokens), 0).label("output_tokens"),
                func.coalesce(func.sum(UsageRecord.cost_usd), literal(0)).label("cost_usd"),
                func.count().filter(UsageRecord.status == "error").label("errors"),
            )
            .where(
                UsageRecord.tenant_id == tenant_id,
                UsageRecord.created_at >= since,
                UsageRecord.created_at < until,
            )
            .group_by(*groups)
            .order_by(*groups)
        )
        return [dict(row._mapping) for row in await session.execute(stmt)]


usage_repository = UsageRepository()
