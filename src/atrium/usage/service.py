"""Usage: what each tenant's calls consumed and cost (each record priced at the time of
the call), rolled up per tenant, user, API key, assistant, model and day."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.kit.db import set_platform_admin
from atrium.kit.errors import BadRequest, Forbidden
from atrium.usage.repository import usage_repository
from atrium.usage.schemas import UsageGroup, UsageRow, UsageSummary

DEFAULT_GROUPS = "day,model,key"
MAX_DAYS = 400
# A roll-up's rows at most: as JSON and as CSV.
MAX_ROWS = 10_000
_CSV_DIMENSIONS = {
    UsageGroup.day: "day",
    UsageGroup.tenant: "tenant_id",
    UsageGroup.user: "user_id",
    UsageGroup.key: "api_key_id",
    UsageGroup.assistant: "assistant_id",
    UsageGroup.model: "model",
}
_CSV_SUMS = (
    "requests",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "errors",
)


def parse_groups(group_by: str) -> list[UsageGroup]:
    """`day,model` as groups, in the order given; an unknown one is a 400 naming the field."""
    names = [g.strip() for g in group_by.split(",") if g.strip()]
    try:
        groups = [UsageGroup(name) for name in names]
    except ValueError:
        accepted = ", ".join(g.value for g in UsageGroup)
        raise BadRequest(f"group_by accepts {accepted}", field="group_by") from None
    return list(dict.fromkeys(groups))


def _window(
    since: dt.datetime | None, until: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    until = until or dt.datetime.now(dt.UTC)
    since = since or until - dt.timedelta(days=30)
    if since >= until:
        raise BadRequest("`since` must be before `until`", field="since")
    if until - since > dt.timedelta(days=MAX_DAYS):
        raise BadRequest(f"At most {MAX_DAYS} days at a time", field="since")
    return since, until


class UsageService:
    async def summary(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        since: dt.datetime | None,
        until: dt.datetime | None,
        group_by: list[UsageGroup],
        limit: int = MAX_ROWS,
    ) -> UsageSummary:
        """The tenant's usage for admins; a member's (or a member key's) own only."""
        since, until = _window(since, until)
        filters: dict[str, uuid.UUID | None]
        if auth.is_tenant_admin:
            scope, filters = "tenant", {"tenant_id": auth.tenant_id}
        elif auth.user_id is not None:
            scope, filters = "own", {"tenant_id": auth.tenant_id, "user_id": auth.user_id}
        else:
            scope, filters = "own", {"tenant_id": auth.tenant_id, "api_key_id": auth.api_key_id}
        return await self._rollup(
            session,
            since=since,
            until=until,
            group_by=group_by,
            limit=limit,
            scope=scope,
            filters=filters,
        )

    async def platform_summary(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        since: dt.datetime | None,
        until: dt.datetime | None,
        group_by: list[UsageGroup],
        tenant_id: uuid.UUID | None,
        limit: int = MAX_ROWS,
    ) -> UsageSummary:
        """Every tenant's usage, or one tenant's (platform administrators only)."""
        if not auth.is_platform_admin:
            raise Forbidden("Platform administrators only")
        since, until = _window(since, until)
        await set_platform_admin(session)
        return await self._rollup(
            session,
            since=since,
            until=until,
            group_by=group_by,
            limit=limit,
            scope="platform",
            filters={"tenant_id": tenant_id},
        )

    async def _rollup(
        self,
        session: AsyncSession,
        *,
        since: dt.datetime,
        until: dt.datetime,
        group_by: list[UsageGroup],
        limit: int,
        scope: str,
        filters: dict[str, Any],
    ) -> UsageSummary:
        rows = await usage_repository.rollup(
            session, since=since, until=until, group_by=group_by, limit=limit + 1, **filters
        )
        [total] = await usage_repository.rollup(
            session, since=since, until=until, group_by=[], limit=1, **filters
        )
        return UsageSummary(
            since=since,
            until=until,
            group_by=[g.value for g in group_by],
            scope=scope,
            rows=[UsageRow.model_validate(r) for r in rows[:limit]],
            totals=UsageRow.model_validate(total),
            truncated=len(rows) > limit,
        )


def as_csv(summary: UsageSummary) -> str:
    """The roll-up's rows as CSV: one column per group asked for, in that order, then the
    sums."""
    columns = [_CSV_DIMENSIONS[UsageGroup(g)] for g in summary.group_by] + list(_CSV_SUMS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in summary.rows:
        values = row.model_dump()
        writer.writerow([_cell(values[c]) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A value as a spreadsheet will read it as text: a model name is whatever a client sent,
    and one starting with `=`, `+`, `-` or `@` would run as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


usage_service = UsageService()
