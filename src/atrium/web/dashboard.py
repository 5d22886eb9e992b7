"""The dashboard: recent chats, assistants and this month's usage against the plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    found, assistant_count = await assistants.search(
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
    _, member_count = await tenants.list_members(session=session, auth=auth, limit=1, offset=0)
    me = await auth_service.me(session=session, auth=auth)
    totals = usage.totals
    return render(
        request,
        "dashboard.html",
        visitor,
        me=me,
        threads=[(t, thread_title(t)) for t in recent],
        assistants=found,
        usage=totals,
        meters=[
            Meter(
                "Tokens this month",
                totals.input_tokens + totals.output_tokens,
                limits.tokens_per_month,
            ),
            Meter(
                "Cost this month",
                float(totals.cost_usd),
                limits.cost_ceiling_usd_per_month,
                money=True,
            ),
            Meter("Assistants", assistant_count, limits.max_assistants),
            Meter("Members", member_count, limits.max_members),
        ],
    )


@dataclass(frozen=True, slots=True)
class Meter:
    """One line of "usage against the plan": what is used, of how much (None: no limit)."""

    label: str
    used: float
    limit: float | None
    money: bool = False

    def _show(self, value: float) -> str:
        return f"${value:,.2f}" if self.money else f"{value:,.0f}"

    @property
    def text(self) -> str:
        if self.limit is None:
            return f"{self._show(self.used)} (no limit)"
        return f"{self._show(self.used)} of {self._show(self.limit)}"

    @property
    def near(self) -> bool:
        """Four fifths used or more: the page says so in words, not only in colour."""
        return self.limit is not None and self.used >= 0.8 * self.limit
