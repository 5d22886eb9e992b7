"""HTTP for usage: a tenant's roll-ups and CSV export, and every tenant's for platform
administrators."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from atrium.auth.dependencies import AuthDep, PlatformAdminDep
from atrium.kit.deps import SessionDep
from atrium.usage.schemas import UsageSummary
from atrium.usage.service import DEFAULT_GROUPS, MAX_ROWS, as_csv, parse_groups, usage_service

router = APIRouter(tags=["usage"])

_GROUPS_HELP = "comma-separated: tenant,user,key,assistant,model,day"
Since = Annotated[dt.datetime | None, Query(description="from (inclusive); default: 30 days ago")]
Until = Annotated[dt.datetime | None, Query(description="to (exclusive); default: now")]
GroupBy = Annotated[str, Query(max_length=60, description=_GROUPS_HELP)]
RowLimit = Annotated[int, Query(ge=1, le=MAX_ROWS)]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The roll-up as CSV",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _csv_response(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/tenants/current/usage")
async def tenant_usage(
    auth: AuthDep,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    group_by: GroupBy = DEFAULT_GROUPS,
    limit: RowLimit = 1000,
) -> UsageSummary:
    """Requests, tokens and cost (priced at the time of each call) of the tenant's LLM
    calls, summed by the groups asked for. Owners and admins see the tenant's; members
    (and their keys) their own."""
    return await usage_service.summary(
        session=session,
        auth=auth,
        since=since,
        until=until,
        group_by=parse_groups(group_by),
        limit=limit,
    )


@router.get("/tenants/current/usage/export", response_class=Response, responses=_CSV)
async def tenant_usage_csv(
    auth: AuthDep,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    group_by: GroupBy = DEFAULT_GROUPS,
) -> Response:
    """The same roll-up as `GET /tenants/current/usage`, as CSV."""
    summary = await usage_service.summary(
        session=session, auth=auth, since=since, until=until, group_by=parse_groups(group_by)
    )
    return _csv_response(as_csv(summary), "usage")


@router.get("/admin/usage", tags=["admin"])
async def platform_usage(
    auth: PlatformAdminDep,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    group_by: GroupBy = "tenant,day",
    tenant_id: Annotated[uuid.UUID | None, Query(description="one tenant only")] = None,
    limit: RowLimit = 1000,
) -> UsageSummary:
    """Usage across every tenant (platform administrators only)."""
    return await usage_service.platform_summary(
        session=session,
        auth=auth,
        since=since,
        until=until,
        group_by=parse_groups(group_by),
        tenant_id=tenant_id,
        limit=limit,
    )


@router.get("/admin/usage/export", tags=["admin"], response_class=Response, responses=_CSV)
async def platform_usage_csv(
    auth: PlatformAdminDep,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    group_by: GroupBy = "tenant,day",
    tenant_id: Annotated[uuid.UUID | None, Query(description="one tenant only")] = None,
) -> Response:
    """The same roll-up as `GET /admin/usage`, as CSV (platform administrators only)."""
    summary = await usage_service.platform_summary(
        session=session,
        auth=auth,
        since=since,
        until=until,
        group_by=parse_groups(group_by),
        tenant_id=tenant_id,
    )
    return _csv_response(as_csv(summary), "usage-all-tenants")
