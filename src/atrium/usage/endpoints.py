"""HTTP for a tenant's usage."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import SessionDep
from atrium.usage.schemas import UsageSummary
from atrium.usage.service import usage_service

router = APIRouter(tags=["usage"])


@router.get("/tenants/current/usage")
async def tenant_usage(
    auth: AuthDep,
    session: SessionDep,
    since: Annotated[dt.datetime | None, Query()] = None,
    until: Annotated[dt.datetime | None, Query()] = None,
    group_by: Annotated[
        str, Query(max_length=50, description="comma-separated: day,model,key")
    ] = "day,model,key",
) -> UsageSummary:
    """Requests, tokens and cost of the tenant's LLM calls, summed by day, model and API key
    (default: the last 30 days)."""
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    return await usage_service.summary(
        session=session, auth=auth, since=since, until=until, group_by=groups
    )
