"""Tenants, their plans, members and invitations."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.api_keys.service import ApiKeyService
from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext, Role
from atrium.auth.permissions import Action, Resource, require, require_all, require_on
from atrium.auth.sessions import SessionService
from atrium.kit.db import Database, after_commit, set_platform_admin, set_tenant, set_user
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NotFound,
    QuotaExceeded,
)
from atrium.kit.invalidation import TenantChanges
from atrium.kit.mail import Mail, Mailer
from atrium.kit.models import utcnow
from atrium.kit.outbound import OutboundPolicy
from atrium.kit.schemas import unstorable
from atrium.kit.security import new_tenant_secret, parse_tenant_secret
from atrium.tenants.limits import LimitOverrides, PlanLimits
from atrium.tenants.models import Invitation, Membership, Plan, Tenant
from atrium.tenants.repository import tenant_repository
from atrium.tenants.schemas import (
    InvitationCreate,
    MemberRole,
    PlanCreate,
    PlanLimitsInput,
    PlanUpdate,
    TenantAdminUpdate,
)
from atrium.users.models import User
from atrium.users.service import user_service

DEFAULT_PLAN = "basic"
# How long a process trusts its copy of a plan's limits: as long as the gateway trusts a
# cached authentication, so a plan edit reaches every replica as fast as a role change.
_PLAN_CACHE_SECONDS = 5.0
INVITATION_PREFIX = "inv_"


class TenantService:
    def __init__(
        self,
        *,
        db: Database,
        mailer: Mailer,
        changes: TenantChanges,
        sessions: SessionService,
        api_keys: ApiKeyService,
        base_url: str,
        invitation_ttl_seconds: int,
    ) -> None:
        self._db = db
        self._mailer = mailer
        self._changes = changes
        self._sessions = sessions
        self._api_keys = api_keys
        self._base_url = base_url
        self._invitation_ttl = dt.timedelta(seconds=invitation_ttl_seconds)
        self._plan_cache: dict[str, tuple[PlanLimits, float]] = {}

    async def create_with_owner(
        self, *, session: AsyncSession, owner: User, name: str, client: ClientInfo | None
    ) -> Tenant:
        """A new tenant on the default plan with `owner` as its first owner."""
        tenant_id = uuid.uuid4()
        await set_tenant(session, tenant_id)
        tenant = await tenant_repository.add_tenant(
            session, Tenant(id=tenant_id, name=name, plan_id=DEFAULT_PLAN, status="active")
        )
        await tenant_repository.add_membership(
            session, Membership(tenant_id=tenant_id, user_id=owner.id, role=Role.owner.value)
        )
        await audit_service.record(
            session=session,
            tenant_id=tenant_id,
            action="tenant.created",
            actor_user_id=owner.id,
            client=client,
            target_type="tenant",
            target_id=tenant_id,
            details={"plan_id": DEFAULT_PLAN},
        )
        return tenant

    async def user_tenants(
        self, *, session: AsyncSession, user_id: uuid.UUID
    ) -> list[tuple[Membership, Tenant]]:
        await set_user(session, user_id)
        return await tenant_repository.user_tenants(session, user_id=user_id)

    async def membership(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[Membership, User, Tenant] | None:
        """The user's membership in `tenant_id`; also scopes the transaction to that tenant."""
        await set_tenant(session, tenant_id)
        return await tenant_repository.membership_with_user(
            session, tenant_id=tenant_id, user_id=user_id
        )

    async def current(self, *, session: AsyncSession, auth: AuthContext) -> Tenant:
        tenant = await tenant_repository.get_tenant(session, auth.tenant_id)
        if tenant is None:
            raise NotFound("Tenant not found")
        return tenant

    async def rename(
        self, *, session: AsyncSession, auth: AuthContext, name: str, client: ClientInfo
    ) -> Tenant:
        require(auth, Resource.tenant, Action.change)
        await tenant_repository.rename(session, auth.tenant_id, name)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="tenant.renamed",
            client=client,
            target_type="tenant",
            target_id=auth.tenant_id,
        )
        return await self.current(session=session, auth=auth)

    async def plan(self, *, session: AsyncSession, auth: AuthContext) -> Plan:
        tenant = await self.current(session=session, auth=auth)
        plan = await tenant_repository.get_plan(session, tenant.plan_id)
        if plan is None:  # cannot happen: a foreign key guards it
            raise NotFound("Plan not found")
        return plan

    async def plan_limits(self, plan_id: str) -> PlanLimits:
        """A plan's limits, read at most once per `_PLAN_CACHE_SECONDS` per process: a
        platform administrator's edit applies at once in the process that made it and
        within that time in every other one."""
        now = time.monotonic()
        cached = self._plan_cache.get(plan_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self._db.transaction() as session:
            plan = await tenant_repository.get_plan(session, plan_id)
        if plan is None:
            raise NotFound("Plan not found")
        limits = PlanLimits.from_stored(plan.limits)
        self._plan_cache[plan_id] = (limits, now + _PLAN_CACHE_SECONDS)
        return limits

    def _forget_plan(self, session: AsyncSession, plan_id: str) -> None:
        async def forget() -> None:
            self._plan_cache.pop(plan_id, None)

        after_commit(session, forget, name="invalidate.plan")

    async def get_for_worker(self, *, session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
        """The tenant whose context this transaction already has (for background work)."""
        tenant = await tenant_repository.get_tenant(session, tenant_id)
        if tenant is None:
            raise NotFound("Tenant not found")
        return tenant

    async def outbound_policy(
        self, *, session: AsyncSession, tenant_id: uuid.UUID
    ) -> OutboundPolicy:
        """What the tenant's outbound calls may reach, read now: private addresses only where
        a platform administrator allowed them, and the allowlist its admins set."""
        tenant = await self.get_for_worker(session=session, tenant_id=tenant_id)
        return OutboundPolicy(
            allow_private=tenant.allow_private_provider_urls,
            allowlist=tuple(tenant.outbound_allowlist),
        )

    async def set_outbound_allowlist(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, hosts: list[str]
    ) -> list[str]:
        """Replace the allowlist; the list before the change."""
        tenant = await self.get_for_worker(session=session, tenant_id=tenant_id)
        before = list(tenant.outbound_allowlist)
        tenant.outbound_allowlist = hosts
        tenant.updated_at = utcnow()
        await session.flush()
        return before

    async def list_plans(self, *, session: AsyncSession) -> list[Plan]:
        return await tenant_repository.list_plans(session)

    async def get_plan(self, *, session: AsyncSession, plan_id: str) -> Plan:
        plan = await tenant_repository.get_plan(session, plan_id)
        if plan is None:
            raise NotFound("Plan not found", field="plan_id")
        return plan

    async def change_plan(
        self,
        *,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        plan_id: str,
        reason: str,
        actor_user_id: uuid.UUID | None = None,
        client: ClientInfo | None = None,
    ) -> bool:
        """Move the tenant (whose scope this transaction has) to `plan_id`, audited with
        `reason` (an owner's free downgrade, a platform administrator, a Stripe event, the
        end of a grace period). False when it was on that plan already."""
        tenant = await tenant_repository.get_tenant(session, tenant_id)
        if tenant is None:
            raise NotFound("Tenant not found")
        previous = tenant.plan_id
        if previous == plan_id:
            return False
        await tenant_repository.set_plan(session, tenant_id, plan_id)
        await session.refresh(tenant)
        self._changes.announce(session, tenant_id)
        await audit_service.record(
            session=session,
            tenant_id=tenant_id,
            action="tenant.plan_changed",
            actor_user_id=actor_user_id,
            client=client,
            target_type="tenant",
            target_id=tenant_id,
            details={"from": previous, "to": plan_id, "reason": reason},
        )
        return True

    # members

    async def list_members(
        self, *, session: AsyncSession, auth: AuthContext, limit: int, offset: int
    ) -> tuple[list[tuple[Membership, User]], int]:
        return await tenant_repository.list_members(
            session, tenant_id=auth.tenant_id, limit=limit, offset=offset
        )

    async def change_role(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        user_id: uuid.UUID,
        role: MemberRole,
        client: ClientInfo,
    ) -> tuple[Membership, User]:
        """Change a member's role. It takes effect at once on their sessions (the role is
        read on every request) and on their API keys (which act with the lower of their own
        role and their creator's)."""
        require_all(auth, Resource.members, Action.change)
        owners = await tenant_repository.lock_owners(session, tenant_id=auth.tenant_id)
        found = await tenant_repository.membership_with_user(
            session, tenant_id=auth.tenant_id, user_id=user_id
        )
        if found is None:
            raise NotFound("Member not found")
        membership, user, _ = found
        if membership.role == role:
            return membership, user
        touches_owner = Role.owner in (Role(membership.role), Role(role))
        if touches_owner and auth.role != Role.owner:
            raise Forbidden("Only an owner can grant or remove the owner role")
        if membership.role == Role.owner and owners == [user_id]:
            raise Conflict("The last owner cannot be demoted; make someone else owner first")
        previous = membership.role
        await tenant_repository.set_role(
            session, tenant_id=auth.tenant_id, user_id=user_id, role=role
        )
        self._changes.announce(session, auth.tenant_id)
        await session.refresh(membership)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="member.role_changed",
            client=client,
            target_type="user",
            target_id=user_id,
            details={"from": previous, "to": role},
        )
        return membership, user

    async def set_member_limits(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        user_id: uuid.UUID,
        limits: LimitOverrides,
        client: ClientInfo,
    ) -> LimitOverrides:
        """Narrow one member's limits below the plan's (tenant admins only); replaces any
        set before, and applies to the member's API keys too."""
        auth.require_admin("Only tenant owners and admins can set a member's limits")
        stored_before = await tenant_repository.member_limits(
            session, tenant_id=auth.tenant_id, user_id=user_id
        )
        if stored_before is None:
            raise NotFound("Member not found")
        stored = limits.model_dump(exclude_none=True)
        await tenant_repository.set_member_limits(
            session, tenant_id=auth.tenant_id, user_id=user_id, limits=stored
        )
        self._changes.announce(session, auth.tenant_id)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="member.limits_changed",
            client=client,
            target_type="user",
            target_id=user_id,
            details={"limits": stored},
        )
        return LimitOverrides.model_validate(stored)

    async def member_overrides(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> LimitOverrides | None:
        """The limits set on one member, or None when none are (or they are no member)."""
        stored = await tenant_repository.member_limits(
            session, tenant_id=tenant_id, user_id=user_id
        )
        return LimitOverrides.model_validate(stored) if stored else None

    async def remove_member(
        self, *, session: AsyncSession, auth: AuthContext, user_id: uuid.UUID, client: ClientInfo
    ) -> None:
        """Remove a member; any member may remove themselves (leave). Their sessions and
        API keys in the tenant end with the membership."""
        leaving = auth.user_id == user_id and auth.is_user_session
        require_on(auth, Resource.members, Action.change, owner_id=user_id if leaving else None)
        owners = await tenant_repository.lock_owners(session, tenant_id=auth.tenant_id)
        membership = await tenant_repository.get_membership(
            session, tenant_id=auth.tenant_id, user_id=user_id
        )
        if membership is None:
            raise NotFound("Member not found")
        if membership.role == Role.owner:
            if not leaving and auth.role != Role.owner:
                raise Forbidden("Only an owner can remove an owner")
            if owners == [user_id]:
                raise Conflict("The last owner cannot leave; make someone else owner first")
        await tenant_repository.delete_membership(
            session, tenant_id=auth.tenant_id, user_id=user_id
        )
        self._changes.announce(session, auth.tenant_id)
        await self._sessions.revoke_user_in_tenant(
            session=session, tenant_id=auth.tenant_id, user_id=user_id
        )
        # Revoked, not only refused while they are away: a key must not come back to life
        # if the person is invited again.
        await self._api_keys.revoke_all_of(
            session=session, tenant_id=auth.tenant_id, user_id=user_id
        )
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="member.left" if leaving else "member.removed",
            client=client,
            target_type="user",
            target_id=user_id,
        )

    # invitations

    async def invite(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        data: InvitationCreate,
        client: ClientInfo,
    ) -> Invitation:
        require_all(auth, Resource.members, Action.change)
        if data.role == Role.owner and auth.role != Role.owner:
            raise Forbidden("Only an owner can invite an owner")
        plan = await self.plan(session=session, auth=auth)
        max_members = PlanLimits.from_stored(plan.limits).max_members
        if max_members is not None:
            members = await tenant_repository.count_members(session, tenant_id=auth.tenant_id)
            if members >= max_members:
                raise QuotaExceeded(f"The {plan.name} plan allows {max_members} members")
        existing_user = await user_service.get_by_email(session=session, email=data.email)
        if existing_user is not None and await tenant_repository.get_membership(
            session, tenant_id=auth.tenant_id, user_id=existing_user.id
        ):
            raise Conflict("This person is already a member", field="email")
        now = utcnow()
        pending = await tenant_repository.pending_invitation_for(
            session, tenant_id=auth.tenant_id, email=data.email
        )
        if pending is not None:
            if pending.expires_at > now:
                raise Conflict("An invitation for this address is already pending", field="email")
            pending.revoked_at = now
            await session.flush()
        secret = new_tenant_secret(INVITATION_PREFIX, auth.tenant_id)
        invitation = await tenant_repository.add_invitation(
            session,
            Invitation(
                tenant_id=auth.tenant_id,
                email=str(data.email),
                role=data.role,
                token_hash=secret.hash,
                invited_by=auth.user_id,
                expires_at=now + self._invitation_ttl,
            ),
        )
        tenant = await self.current(session=session, auth=auth)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="invitation.created",
            client=client,
            target_type="invitation",
            target_id=invitation.id,
            details={"role": data.role},
        )
        link = f"{self._base_url}/invitations/accept?token={secret.value}"
        mail = Mail(
            to=str(data.email),
            subject=f"You are invited to {tenant.name} on Atrium",
            text=(
                f"You have been invited to join {tenant.name} on Atrium as {data.role}.\n\n"
                f"Accept the invitation: {link}\n\n"
                f"Invitation token: {secret.value}\n"
                "If you do not have an account yet, register with this token.\n"
            ),
            link=link,
        )
        after_commit(session, lambda: self._mailer.send(mail), name="mail.invitation")
        return invitation

    async def list_invitations(
        self, *, session: AsyncSession, auth: AuthContext
    ) -> list[Invitation]:
        require_all(auth, Resource.members, Action.change)
        return await tenant_repository.list_pending_invitations(
            session, tenant_id=auth.tenant_id, now=utcnow()
        )

    async def revoke_invitation(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        invitation_id: uuid.UUID,
        client: ClientInfo,
    ) -> None:
        require_all(auth, Resource.members, Action.change)
        invitation = await tenant_repository.get_invitation(
            session, tenant_id=auth.tenant_id, invitation_id=invitation_id
        )
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            raise NotFound("Invitation not found")
        invitation.revoked_at = utcnow()
        await session.flush()
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="invitation.revoked",
            client=client,
            target_type="invitation",
            target_id=invitation_id,
        )

    async def accept_invitation(
        self, *, session: AsyncSession, user: User, token: str, client: ClientInfo | None
    ) -> Membership:
        """Join the inviting tenant; the invitation must be addressed to the user's e-mail."""
        secret = parse_tenant_secret(INVITATION_PREFIX, token)
        if secret is None:
            raise InvalidToken("Invalid invitation token", field="token")
        await set_tenant(session, secret.tenant_id)
        invitation = await tenant_repository.lock_invitation_by_hash(
            session, tenant_id=secret.tenant_id, token_hash=secret.hash
        )
        now = utcnow()
        if (
            invitation is None
            or invitation.accepted_at is not None
            or invitation.revoked_at is not None
            or invitation.expires_at <= now
        ):
            raise InvalidToken("Invalid or expired invitation", field="token")
        if invitation.email.lower() != user.email.lower():
            raise Forbidden("This invitation was sent to another e-mail address")
        existing = await tenant_repository.get_membership(
            session, tenant_id=invitation.tenant_id, user_id=user.id
        )
        if existing is not None:
            raise Conflict("You are already a member of this tenant")
        membership = Membership(
            tenant_id=invitation.tenant_id, user_id=user.id, role=invitation.role
        )
        await tenant_repository.add_membership(session, membership)
        invitation.accepted_at = now
        invitation.accepted_by = user.id
        await session.flush()
        await audit_service.record(
            session=session,
            tenant_id=invitation.tenant_id,
            action="invitation.accepted",
            actor_user_id=user.id,
            client=client,
            target_type="invitation",
            target_id=invitation.id,
            details={"role": invitation.role},
        )
        return membership

    # platform administration

    async def assign_plan(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, plan_id: str
    ) -> None:
        """Put a tenant on a plan without payment (the operator's `atrium admin`)."""
        await set_tenant(session, tenant_id)
        await self.get_plan(session=session, plan_id=plan_id)
        await self.change_plan(
            session=session, tenant_id=tenant_id, plan_id=plan_id, reason="operator"
        )

    async def all_tenant_ids(self, *, session: AsyncSession) -> list[uuid.UUID]:
        """Every tenant's id, for operator commands that visit each tenant."""
        await set_platform_admin(session)
        tenants, _ = await tenant_repository.list_all_tenants(session, limit=10_000_000, offset=0)
        return [t.id for t in tenants]

    async def admin_list(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        limit: int,
        offset: int,
        search: str | None = None,
    ) -> tuple[list[Tenant], int]:
        """Every tenant, oldest first; `search` keeps those whose name contains it or whose
        id starts with it."""
        if not auth.is_platform_admin:
            raise Forbidden("Platform administrators only")
        problem = unstorable(search, "q")
        if problem is not None:
            raise BadRequest(problem, field="q")
        await set_platform_admin(session)
        return await tenant_repository.list_all_tenants(
            session, limit=limit, offset=offset, search=search
        )

    async def admin_update(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        tenant_id: uuid.UUID,
        data: TenantAdminUpdate,
        client: ClientInfo,
    ) -> Tenant:
        """Suspend or reactivate a tenant, or let it use private provider addresses."""
        if not auth.is_platform_admin:
            raise Forbidden("Platform administrators only")
        await set_tenant(session, tenant_id)
        tenant = await tenant_repository.get_tenant(session, tenant_id)
        if tenant is None:
            raise NotFound("Tenant not found")
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        plan_id = changes.pop("plan_id", None)
        if plan_id is not None:
            await self.get_plan(session=session, plan_id=plan_id)
            await self.change_plan(
                session=session,
                tenant_id=tenant_id,
                plan_id=plan_id,
                reason="platform_admin",
                actor_user_id=auth.user_id,
                client=client,
            )
        for name, value in changes.items():
            setattr(tenant, name, value)
        self._changes.announce(session, tenant_id)
        await session.flush()
        await audit_service.record(
            session=session,
            tenant_id=tenant_id,
            action="tenant.admin_updated",
            actor_user_id=auth.user_id,
            client=client,
            target_type="tenant",
            target_id=tenant_id,
            details={**changes, **({"plan_id": plan_id} if plan_id else {})},
        )
        return tenant

    # plans (platform administration)

    async def admin_list_plans(self, *, session: AsyncSession, auth: AuthContext) -> list[Plan]:
        if not auth.is_platform_admin:
            raise Forbidden("Platform administrators only")
        return await tenant_repository.list_plans(session)

    async def admin_create_plan(
        self, *, session: AsyncSession, auth: AuthContext, data: PlanCreate
    ) -> Plan:
        """A new plan, offered at once (`GET /tenants/plans`)."""
        if not auth.is_platform_admin:
            raise Forbidden("Platform administrators only")
        if await tenant_repository.get_plan(session, data.id) is not None:
            raise Conflict("A plan with this id exists", field="id")
        await set_platform_admin(session)
        return await tenant_repository.add_plan(
            session,
            Plan(
                id=data.id,
                name=data.name,
                position=data.position,
                monthly_price_cents=data.monthly_price_cents,
                limits=_stored_limits(data.limits),
            ),
        )

    async def admin_update_plan(
        self, *, session: AsyncSession, auth: AuthContext, plan_id: str, data: PlanUpdate
    ) -> Plan:
        """Change a plan's name, position, price or limits; every tenant on it gets the new
        limits (at once in this process, within `_PLAN_CACHE_SECONDS` in the others)."""
        if not auth.is_platform_admin:
            raise Forbidden("Platform administrators only")
        await set_platform_admin(session)
        plan = await tenant_repository.lock_plan(session, plan_id)
        if plan is None:
            raise NotFound("Plan not found")
        changes = data.model_dump(exclude_unset=True, exclude_none=True, exclude={"limits"})
        for name, value in changes.items():
            setattr(plan, name, value)
        if data.limits is not None:
            plan.limits = _stored_limits(data.limits)
        await session.flush()
        self._forget_plan(session, plan_id)
        return plan


def _stored_limits(limits: PlanLimitsInput) -> dict[str, Any]:
    """The limits as the plans table stores them: absent means no limit."""
    stored = limits.model_dump(mode="json", exclude_none=True)
    stored["features"] = sorted(stored["features"])
    return stored
