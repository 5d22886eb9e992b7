"""Settings pages: API keys and members."""

from __future__ import annotations

from fastapi import Request, Response

from atrium.kit.deps import SessionDep
from atrium.web.pages import (
    ApiKeyServiceDep,
    TenantServiceDep,
    page_router,
    render,
)
from atrium.web.visitor import VisitorDep

router = page_router()


@router.get("/app/settings/api-keys")
async def api_keys_page(
    request: Request, visitor: VisitorDep, session: SessionDep, api_keys: ApiKeyServiceDep
) -> Response:
    keys, _ = await api_keys.list(session=session, auth=visitor.auth, limit=100, offset=0)
    return render(request, "api_keys.html", visitor, keys=keys)


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
    return render(request, "members.html", visitor, members=members, invitations=invitations)
