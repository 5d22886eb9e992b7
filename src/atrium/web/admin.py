"""Platform administration pages: every tenant and its plan, the plans' limits, and usage
across tenants. They read through the same services as `/admin/*`; a plan change is the
page's form calling `PATCH /admin/tenants/{id}`.

Anyone but a platform administrator gets the plain "Not found" page: the pages do not tell
a tenant's user that they exist."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from atrium.kit.deps import SessionDep
from atrium.kit.errors import NotFound
from atrium.tenants.limits import PlanLimits
from atrium.usage.schemas import UsageGroup
from atrium.usage.service import usage_service
from atrium.web.pages import TenantServiceDep, page_router, render
from atrium.web.visitor import Visitor, VisitorDep

router = page_router()
_PAGE_SIZE = 50
# The limits a plan's table shows, in this order, with the words a person reads.
LIMIT_LABELS = {
    "requests_per_minute": "Requests per minute",
    "tokens_per_minute": "Tokens per minute",
    "tokens_per_month": "Tokens per month",
    "cost_ceiling_usd_per_month": "Cost per month",
    "concurrent_runs": "Concurrent runs",
    "max_members": "Members",
    "max_assistants": "Assistants",
    "storage_mb": "Storage (MB)",
}


async def _platform_admin(visitor: VisitorDep) -> Visitor:
    # The same test as the API's `require_platform_admin` (a signed-in person, never a key),
    # answered with the 404 page every unknown address gets.
    if not (visitor.auth.is_user_session and visitor.auth.is_platform_admin):
        raise NotFound("There is no page at this address")
    return visitor


PlatformAdminDep = Annotated[Visitor, Depends(_platform_admin)]


def _limit_rows(stored: dict[str, Any]) -> list[tuple[str, str]]:
    limits = PlanLimits.from_stored(stored)
    rows = []
    for name, label in LIMIT_LABELS.items():
        value = getattr(limits, name)
        if value is None:
            shown = "no limit"
        elif name == "cost_ceiling_usd_per_month":
            shown = f"${value:,.2f}"
        else:
            shown = f"{value:,}"
        rows.append((label, shown))
    models = ", ".join(limits.allowed_models) or "none"
    rows.append(("Models", "every model" if models == "*" else models))
    rows.append(("Features", ", ".join(sorted(limits.features)) or "none"))
    return rows


@router.get("/app/admin")
async def tenants_page(
    request: Request,
    visitor: PlatformAdminDep,
    session: SessionDep,
    tenants: TenantServiceDep,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    search = q.strip()
    found, total = await tenants.admin_list(
        session=session,
        auth=visitor.auth,
        limit=_PAGE_SIZE,
        offset=(page - 1) * _PAGE_SIZE,
        search=search or None,
    )
    plans = await tenants.admin_list_plans(session=session, auth=visitor.auth)
    return render(
        request,
        "admin_tenants.html",
        visitor,
        tenants=found,
        total=total,
        plans=plans,
        q=search,
        page=page,
        pages=max(1, -(-total // _PAGE_SIZE)),
    )


@router.get("/app/admin/plans")
async def plans_page(
    request: Request, visitor: PlatformAdminDep, session: SessionDep, tenants: TenantServiceDep
) -> Response:
    plans = await tenants.admin_list_plans(session=session, auth=visitor.auth)
    return render(
        request,
        "admin_plans.html",
        visitor,
        plans=[(plan, _limit_rows(plan.limits)) for plan in plans],
    )


@router.get("/app/admin/usage")
async def usage_page(
    request: Request, visitor: PlatformAdminDep, session: SessionDep, tenants: TenantServiceDep
) -> Response:
    month = dt.datetime.now(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    summary = await usage_service.platform_summary(
        session=session,
        auth=visitor.auth,
        since=month,
        until=None,
        group_by=[UsageGroup.tenant],
        tenant_id=None,
        limit=500,
    )
    # Names for the tenants on this page; a tenant beyond the first thousand shows its id.
    known, _ = await tenants.admin_list(session=session, auth=visitor.auth, limit=1000, offset=0)
    names = {t.id: t.name for t in known}
    rows = sorted(summary.rows, key=lambda r: r.cost_usd, reverse=True)
    return render(
        request,
        "admin_usage.html",
        visitor,
        summary=summary,
        rows=[(r, names.get(r.tenant_id) if r.tenant_id else None) for r in rows],
        export="/admin/usage/export?group_by=tenant,day&since="
        + month.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
