"""HTTP for tenants: the current tenant, its plan, members and invitations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from atrium.audit.schemas import AuditEntryPublic
from atrium.audit.service import audit_service
from atrium.auth.context import Role
from atrium.auth.dependencies import (
    AuthDep,
    BriefAuthDep,
    PlatformAdminDep,
    TenantAdminDep,
    UserSessionDep,
)
from atrium.auth.schemas import TokenPair
from atrium.auth.sessions import SessionService
from atrium.billing.schemas import SubscriptionPublic
from atrium.billing.service import BillingService
from atrium.kit.deps import ClientDep, SessionDep, provided
from atrium.kit.schemas import Limit, Offset, Page
from atrium.tenants.models import Membership
from atrium.tenants.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationPublic,
    MemberPublic,
    MemberUpdate,
    PlanAdminPublic,
    PlanCreate,
    PlanPublic,
    PlanUpdate,
    SubscribeRequest,
    TenantAdminPublic,
    TenantAdminUpdate,
    TenantCreate,
    TenantMembershipPublic,
    TenantPublic,
    TenantUpdate,
)
from atrium.tenants.service import TenantService
from atrium.users.models import User
from atrium.users.service import user_service

router = APIRouter(tags=["tenants"])
TenantServiceDep = Annotated[TenantService, Depends(provided("tenant_service"))]
SessionServiceDep = Annotated[SessionService, Depends(provided("session_service"))]
BillingServiceDep = Annotated[BillingService, Depends(provided("billing_service"))]


def _member(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=membership.role,
        joined_at=membership.created_at,
    )


@router.get("/tenants")
async def list_my_tenants(
    auth: UserSessionDep, session: SessionDep, tenant_service: TenantServiceDep
) -> list[TenantMembershipPublic]:
    """Every tenant the signed-in user belongs to, with their role in each."""
    rows = await tenant_service.user_tenants(session=session, user_id=auth.user_id)
    return [
        TenantMembershipPublic(tenant=TenantPublic.model_validate(t), role=m.role) for m, t in rows
    ]


@router.post("/tenants", status_code=status.HTTP_201_CREATED)
async def create_tenant(
    data: TenantCreate,
    auth: UserSessionDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> TenantPublic:
    """Create another tenant owned by the signed-in user (switch to it to use it)."""
    user = await user_service.get(session=session, user_id=auth.user_id)
    tenant = await tenant_service.create_with_owner(
        session=session, owner=user, name=data.name, client=client
    )
    return TenantPublic.model_validate(tenant)


@router.get("/tenants/current")
async def current_tenant(
    auth: AuthDep, session: SessionDep, tenant_service: TenantServiceDep
) -> TenantPublic:
    """The tenant the credential is scoped to."""
    return TenantPublic.model_validate(await tenant_service.current(session=session, auth=auth))


@router.patch("/tenants/current")
async def update_tenant(
    data: TenantUpdate,
    auth: TenantAdminDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> TenantPublic:
    """Rename the tenant (owners and admins)."""
    tenant = await tenant_service.rename(session=session, auth=auth, name=data.name, client=client)
    return TenantPublic.model_validate(tenant)


@router.get("/tenants/plan")
async def current_plan(
    auth: AuthDep, session: SessionDep, tenant_service: TenantServiceDep
) -> PlanPublic:
    """The tenant's plan and its limits."""
    return PlanPublic.model_validate(await tenant_service.plan(session=session, auth=auth))


@router.get("/tenants/plans")
async def list_plans(
    auth: AuthDep, session: SessionDep, tenant_service: TenantServiceDep
) -> list[PlanPublic]:
    """Every plan on offer."""
    return [PlanPublic.model_validate(p) for p in await tenant_service.list_plans(session=session)]


@router.post("/tenants/subscribe")
async def subscribe(
    data: SubscribeRequest,
    auth: BriefAuthDep,
    client: ClientDep,
    billing_service: BillingServiceDep,
) -> SubscriptionPublic:
    """Ask for another plan (owners only). A paid plan answers with a Stripe Checkout URL
    and changes once Stripe reports the payment; without Stripe configured it is refused
    (409 `billing_not_configured`: a platform administrator changes plans). A free plan
    applies at once."""
    return await billing_service.subscribe(auth=auth, plan_id=data.plan_id, client=client)


@router.get("/tenants/current/members")
async def list_members(
    auth: AuthDep,
    session: SessionDep,
    tenant_service: TenantServiceDep,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> Page[MemberPublic]:
    """The tenant's members and their roles."""
    rows, total = await tenant_service.list_members(
        session=session, auth=auth, limit=limit, offset=offset
    )
    return Page(items=[_member(m, u) for m, u in rows], total=total, limit=limit, offset=offset)


@router.post("/tenants/current/members", status_code=status.HTTP_201_CREATED)
async def invite_member(
    data: InvitationCreate,
    auth: TenantAdminDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> InvitationPublic:
    """Invite someone by e-mail (owners and admins). They join when they accept."""
    invitation = await tenant_service.invite(session=session, auth=auth, data=data, client=client)
    return InvitationPublic.model_validate(invitation)


@router.patch("/tenants/current/members/{user_id}")
async def update_member(
    user_id: uuid.UUID,
    data: MemberUpdate,
    auth: TenantAdminDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> MemberPublic:
    """Change a member's role. Only owners grant or remove the owner role; the last owner
    cannot be demoted."""
    membership, user = await tenant_service.change_role(
        session=session, auth=auth, user_id=user_id, role=data.role, client=client
    )
    return _member(membership, user)


@router.delete("/tenants/current/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    user_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> Response:
    """Remove a member (owners and admins), or leave (yourself). The last owner cannot leave."""
    await tenant_service.remove_member(session=session, auth=auth, user_id=user_id, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tenants/current/invitations")
async def list_invitations(
    auth: TenantAdminDep, session: SessionDep, tenant_service: TenantServiceDep
) -> list[InvitationPublic]:
    """Pending invitations (owners and admins)."""
    rows = await tenant_service.list_invitations(session=session, auth=auth)
    return [InvitationPublic.model_validate(i) for i in rows]


@router.delete(
    "/tenants/current/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def revoke_invitation(
    invitation_id: uuid.UUID,
    auth: TenantAdminDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> Response:
    """Withdraw a pending invitation."""
    await tenant_service.revoke_invitation(
        session=session, auth=auth, invitation_id=invitation_id, client=client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invitations/accept")
async def accept_invitation(
    data: InvitationAccept,
    auth: UserSessionDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
    session_service: SessionServiceDep,
) -> TokenPair:
    """Join the inviting tenant as the signed-in user, and get a session scoped to it."""
    user = await user_service.get(session=session, user_id=auth.user_id)
    membership = await tenant_service.accept_invitation(
        session=session, user=user, token=data.token, client=client
    )
    return await session_service.issue(
        session=session,
        user_id=user.id,
        tenant_id=membership.tenant_id,
        role=Role(membership.role),
        client=client,
    )


@router.get("/tenants/current/audit-log")
async def audit_log(
    auth: TenantAdminDep,
    session: SessionDep,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AuditEntryPublic]:
    """The tenant's audit trail, newest first (owners and admins)."""
    rows, total = await audit_service.list(
        session=session, auth=auth, limit=limit, offset=offset, action=action
    )
    return Page(
        items=[AuditEntryPublic.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


admin_router = APIRouter(prefix="/admin", tags=["admin"])


@admin_router.get("/tenants")
async def admin_list_tenants(
    auth: PlatformAdminDep,
    session: SessionDep,
    tenant_service: TenantServiceDep,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
    q: Annotated[
        str | None, Query(max_length=200, description="a part of the name, or an id's start")
    ] = None,
) -> Page[TenantAdminPublic]:
    """Every tenant on this installation (platform administrators only)."""
    rows, total = await tenant_service.admin_list(
        session=session, auth=auth, limit=limit, offset=offset, search=q
    )
    return Page(
        items=[TenantAdminPublic.model_validate(t) for t in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@admin_router.patch("/tenants/{tenant_id}")
async def admin_update_tenant(
    tenant_id: uuid.UUID,
    data: TenantAdminUpdate,
    auth: PlatformAdminDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> TenantAdminPublic:
    """Suspend or reactivate a tenant, move it to another plan without payment, or allow its
    provider keys to use private addresses (platform administrators only)."""
    tenant = await tenant_service.admin_update(
        session=session, auth=auth, tenant_id=tenant_id, data=data, client=client
    )
    return TenantAdminPublic.model_validate(tenant)


@admin_router.get("/plans")
async def admin_list_plans(
    auth: PlatformAdminDep, session: SessionDep, tenant_service: TenantServiceDep
) -> list[PlanAdminPublic]:
    """Every plan with its limits (platform administrators only)."""
    plans = await tenant_service.admin_list_plans(session=session, auth=auth)
    return [PlanAdminPublic.model_validate(p) for p in plans]


@admin_router.post("/plans", status_code=status.HTTP_201_CREATED)
async def admin_create_plan(
    data: PlanCreate, auth: PlatformAdminDep, session: SessionDep, tenant_service: TenantServiceDep
) -> PlanAdminPublic:
    """Offer a new plan (platform administrators only). Its paid checkout needs a Stripe
    price in `ATRIUM_STRIPE_PRICES`."""
    plan = await tenant_service.admin_create_plan(session=session, auth=auth, data=data)
    return PlanAdminPublic.model_validate(plan)


@admin_router.patch("/plans/{plan_id}")
async def admin_update_plan(
    plan_id: Annotated[str, Path(max_length=40)],
    data: PlanUpdate,
    auth: PlatformAdminDep,
    session: SessionDep,
    tenant_service: TenantServiceDep,
) -> PlanAdminPublic:
    """Change a plan's name, position, price or limits (platform administrators only);
    every tenant on it gets the new limits within seconds, in every process."""
    plan = await tenant_service.admin_update_plan(
        session=session, auth=auth, plan_id=plan_id, data=data
    )
    return PlanAdminPublic.model_validate(plan)
