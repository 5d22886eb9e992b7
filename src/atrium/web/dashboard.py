"""The dashboard: recent chats, assistants and this month's usage against the plan."""

from __future__ import annotations

import datetime as dt

from fastapi import Request, Response

from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.schemas import AssistantSearch
from atrium.auth.dependencies import AuthServiceDep
from atrium.kit.deps import SessionDep
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.schemas import ThreadSearch
from atrium.usage.service import parse_groups, usage_service
from atrium.web.pages import (
    TenantServiceDep,
    page_router,
    render,
    thread_title,
)
from atrium.web.visitor import VisitorDep

router = page_router()


@router.get("/")
async def dashboard(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    tenants: TenantServiceDep,
    auth_service: AuthServiceDep,
) -> Response:
    auth = visitor.auth
    recent = await threads.search(
        session=session,
        auth=auth,
        query=ThreadSearch(limit=5, sort_by="updated_at", sort_order="desc"),
    )
    found, _ = await assistants.search(
        session=session,
        auth=auth,
        query=AssistantSearch(limit=10, sort_by="updated_at", sort_order="desc"),
    )
    today = dt.datetime.now(dt.UTC)
    month = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    usage = await usage_service.summary(
        session=session, auth=auth, since=month, until=None, group_by=parse_groups("model")
    )
    limits = await tenants.plan_limits(auth.plan_id)
    me = await auth_service.me(session=session, auth=auth)
    return render(
        request,
        "dashboard.html",
        visitor,
        me=me,
        threads=[(t, thread_title(t)) for t in recent],
        assistants=found,
        usage=usage.totals,
        tokens_limit=limits.tokens_per_month,
        cost_limit=limits.cost_ceiling_usd_per_month,
    )
