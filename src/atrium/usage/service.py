"""Usage: what each tenant's calls consumed and cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.kit.errors import BadRequest
from atrium.usage.repository import usage_repository
from atrium.usage.schemas import UsageRow, UsageSummary

GROUPS = ("day", "model", "key")


class UsageService:
    async def summary(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        since: dt.datetime | None,
        until: dt.datetime | None,
        group_by: list[str],
    ) -> UsageSummary:
        now = dt.datetime.now(dt.UTC)
        until = until or now
        since = since or until - dt.timedelta(days=30)
        if since >= until:
            raise BadRequest("`since` must be before `until`", field="since")
        unknown = [g for g in group_by if g not in GROUPS]
        if unknown:
            raise BadRequest(f"group_by accepts {', '.join(GROUPS)}", field="group_by")
        rows = await usage_repository.summary(
            session,
            tenant_id=auth.tenant_id,
            since=since,
            until=until,
            by_day="day" in group_by,
            by_model="model" in group_by,
            by_key="key" in group_by,
        )
        items = [UsageRow.model_validate(r) for r in rows]
        totals = UsageRow(
            requests=sum(r.requests for r in items),
            input_tokens=sum(r.input_tokens for r in items),
            output_tokens=sum(r.output_tokens for r in items),
            cost_usd=sum((r.cost_usd for r in items), Decimal(0)),
            errors=sum(r.errors for r in items),
        )
        return UsageSummary(since=since, until=until, group_by=group_by, rows=items, totals=totals)


usage_service = UsageService()
