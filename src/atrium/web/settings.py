"""Settings pages: profile, API keys, provider keys, MCP servers, members, plan, usage and the
audit log. Each reads through the services the API uses; every change is made by the page's
script through the JSON API, so the same permission table decides."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from decimal import Decimal

from fastapi import Request, Response

from atrium.audit.service import audit_service
from atrium.auth.context import Role
from atrium.auth.dependencies import AuthServiceDep
from atrium.billing.endpoints import BillingServiceDep
from atrium.kit.deps import SessionDep
from atrium.kit.errors import BadRequest
from atrium.mcp_servers.endpoints import McpServerServiceDep
from atrium.mcp_servers.service import public as mcp_public
from atrium.provider_keys.endpoints import ProviderKeyServiceDep
from atrium.provider_keys.schemas import BYOK_PROVIDERS
from atrium.tenants.limits import PlanLimits
from atrium.usage.schemas import UsageGroup, UsageRow
from atrium.usage.service import MAX_DAYS, usage_service
from atrium.web.charts import Point, bar_chart, compact
from atrium.web.pages import (
    ApiKeyServiceDep,
    TenantServiceDep,
    page_router,
    render,
)
from atrium.web.visitor import VisitorDep

router = page_router()

AUDIT_PAGE_SIZE = 50
# Suggestions for the audit log's filter (a person may type any action).
_KNOWN_ACTIONS = (
    "api_key.created",
    "api_key.revoked",
    "auth.password_reset",
    "auth.signed_in",
    "invitation.accepted",
    "invitation.created",
    "invitation.revoked",
    "member.left",
    "member.removed",
    "member.role_changed",
    "provider_key.created",
    "provider_key.deleted",
    "tenant.plan_changed",
    "tenant.renamed",
)
_ADMINS_ONLY = "Only the workspace's owners and admins can open {what}; ask one of them for help"


def _whole_number(value: str | None, *, name: str, low: int, high: int) -> int | None:
    """A number from the query string, or a sentence (a page answers in HTML, not 422)."""
    if value is None or value == "":
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadRequest(f"“{name}” must be a whole number from {low} to {high}", field=name)
    return int(value)


@router.get("/app/settings/profile")
async def profile_page(
    request: Request, visitor: VisitorDep, session: SessionDep, auth_service: AuthServiceDep
) -> Response:
    me = await auth_service.me(session=session, auth=visitor.auth)
    return render(request, "profile.html", visitor, me=me)


@router.get("/app/settings/api-keys")
async def api_keys_page(
    request: Request, visitor: VisitorDep, session: SessionDep, api_keys: ApiKeyServiceDep
) -> Response:
    keys, _ = await api_keys.list(session=session, auth=visitor.auth, limit=100, offset=0)
    return render(request, "api_keys.html", visitor, keys=keys)


@router.get("/app/settings/provider-keys")
async def provider_keys_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    provider_keys: ProviderKeyServiceDep,
) -> Response:
    visitor.auth.require_admin(_ADMINS_ONLY.format(what="provider keys"))
    keys = await provider_keys.list_keys(session=session, auth=visitor.auth)
    return render(request, "provider_keys.html", visitor, keys=keys, providers=BYOK_PROVIDERS)


@router.get("/app/settings/mcp-servers")
async def mcp_servers_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    mcp_servers: McpServerServiceDep,
) -> Response:
    visitor.auth.require_admin(_ADMINS_ONLY.format(what="MCP servers"))
    servers = await mcp_servers.list_servers(session=session, auth=visitor.auth)
    return render(request, "mcp_servers.html", visitor, servers=[mcp_public(s) for s in servers])


@router.get("/app/settings/members")
async def members_page(
    request: Request, visitor: VisitorDep, session: SessionDep, tenants: TenantServiceDep
) -> Response:
    members, _ = await tenants.list_members(session=session, auth=visitor.auth, limit=200, offset=0)
    invitations = (
        await tenants.list_invitations(session=session, auth=visitor.auth)
        if visitor.auth.is_tenant_admin
        else []
    )
    return render(
        request,
        "members.html",
        visitor,
        members=members,
        invitations=invitations,
        is_owner=visitor.auth.role == Role.owner,
    )


@router.get("/app/settings/plan")
async def plan_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    tenants: TenantServiceDep,
    billing: BillingServiceDep,
) -> Response:
    current = await tenants.plan(session=session, auth=visitor.auth)
    plans = await tenants.list_plans(session=session)
    state = await billing.status(session=session, auth=visitor.auth)
    return render(
        request,
        "plan.html",
        visitor,
        current=current,
        limits=PlanLimits.from_stored(current.limits),
        plans=[(p, PlanLimits.from_stored(p.limits)) for p in plans],
        billing=state,
        # Subscribing is an owner's act in a browser session (BillingService.subscribe).
        may_change=visitor.auth.role == Role.owner and visitor.auth.is_user_session,
    )


def _usage_days(
    rows: list[UsageRow], since: dt.date, until: dt.date
) -> list[tuple[dt.date, UsageRow | None]]:
    """Every day of the window, with its row or None: a chart with gaps for quiet days."""
    by_day = {r.day: r for r in rows if r.day is not None}
    days = (until - since).days + 1
    return [(d, by_day.get(d)) for d in (since + dt.timedelta(n) for n in range(days))]


@router.get("/app/settings/usage")
async def usage_page(
    request: Request, visitor: VisitorDep, session: SessionDep, days: str | None = None
) -> Response:
    window = _whole_number(days, name="days", low=1, high=MAX_DAYS)
    now = dt.datetime.now(dt.UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - dt.timedelta(days=window - 1) if window else today.replace(day=1)
    summary = await usage_service.summary(
        session=session, auth=visitor.auth, since=since, until=None, group_by=[UsageGroup.day]
    )
    table = _usage_days(summary.rows, since.date(), now.date())
    tokens = [
        Point(
            label=d.strftime("%d %b"),
            value=float(r.input_tokens + r.output_tokens) if r else 0.0,
            title=f"{d:%d %b %Y}: {(r.input_tokens + r.output_tokens) if r else 0:,} tokens",
        )
        for d, r in table
    ]
    cost = [
        Point(
            label=d.strftime("%d %b"),
            value=float(r.cost_usd) if r else 0.0,
            title=f"{d:%d %b %Y}: ${r.cost_usd if r else Decimal(0):.4f}",
        )
        for d, r in table
    ]
    export = "/tenants/current/usage/export?" + urllib.parse.urlencode(
        {"since": since.isoformat(), "group_by": "day,model"}
    )
    return render(
        request,
        "usage.html",
        visitor,
        summary=summary,
        days=window,
        since=since,
        table=[(d, r) for d, r in reversed(table)],
        # The year only when the window reaches into another one: the table fits a phone.
        day_format="%d %b" if since.year == now.year else "%d %b %Y",
        tokens_chart=bar_chart(tokens, title="Tokens per day"),
        cost_chart=bar_chart(cost, title="Cost per day (USD)", axis=lambda v: f"${compact(v)}"),
        export=export,
    )


@router.get("/app/settings/audit")
async def audit_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    tenants: TenantServiceDep,
    page: str | None = None,
    action: str | None = None,
) -> Response:
    visitor.auth.require_admin(_ADMINS_ONLY.format(what="the audit log"))
    number = _whole_number(page, name="page", low=1, high=100_000) or 1
    wanted = (action or "").strip()[:100] or None
    entries, total = await audit_service.list(
        session=session,
        auth=visitor.auth,
        limit=AUDIT_PAGE_SIZE,
        offset=(number - 1) * AUDIT_PAGE_SIZE,
        action=wanted,
    )

    members, _ = await tenants.list_members(session=session, auth=visitor.auth, limit=200, offset=0)

    def link(to: int) -> str:
        query = {"page": str(to), **({"action": wanted} if wanted else {})}
        return "/app/settings/audit?" + urllib.parse.urlencode(query)

    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return render(
        request,
        "audit.html",
        visitor,
        entries=entries,
        total=total,
        action=wanted or "",
        number=number,
        pages=pages,
        previous=link(number - 1) if number > 1 else None,
        following=link(number + 1) if number < pages else None,
        people={u.id: u.full_name or u.email for _, u in members},
        known_actions=sorted({*_KNOWN_ACTIONS, *(e.action for e in entries)}),
    )
