"""SQL for tenants, plans, memberships and invitations. Row-level security scopes every
tenant-owned statement; the filters here are for meaning, not for isolation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.tenants.models import Invitation, Membership, Plan, Tenant
from atrium.users.models import User


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TenantRepository:
    async def get_plan(self, session: AsyncSession, plan_id: str) -> Plan | None:
        return await session.get(Plan, plan_id)

    async def list_plans(self, session: AsyncSession) -> list[Plan]:
        return list(await session.scalars(select(Plan).order_by(Plan.position, Plan.id)))

    async def add_plan(self, session: AsyncSession, plan: Plan) -> Plan:
        """A new plan; only a platform administrator's transaction may (row-level security)."""
        session.add(plan)
        await session.flush()
        return plan

    async def lock_plan(self, session: AsyncSession, plan_id: str) -> Plan | None:
        return await session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update())

    async def add_tenant(self, session: AsyncSession, tenant: Tenant) -> Tenant:
        session.add(tenant)
        await session.flush()
        return tenant

    async def get_tenant(self, session: AsyncSession, tenant_id: uuid.UUID) -> Tenant | None:
        return await session.scalar(select(Tenant).where(Tenant.id == tenant_id))

    async def set_plan(self, session: AsyncSession, tenant_id: uuid.UUID, plan_id: str) -> None:
        await session.execute(update(Tenant).where(Tenant.id == tenant_id).values(plan_id=plan_id))

    async def rename(self, session: AsyncSession, tenant_id: uuid.UUID, name: str) -> None:
        await session.execute(update(Tenant).where(Tenant.id == tenant_id).values(name=name))

    async def list_all_tenants(
        self, session: AsyncSession, *, limit: int, offset: int, search: str | None = None
    ) -> tuple[list[Tenant], int]:
        """Every tenant, or those whose name contains `search` or whose id starts with it;
        visible only under the platform-admin read policy."""
        stmt = select(Tenant)
        if search:
            pattern = _escape_like(search)
            stmt = stmt.where(
                or_(
                    Tenant.name.ilike(f"%{pattern}%", escape="\\"),
                    cast(Tenant.id, String).like(f"{pattern.lower()}%", escape="\\"),
                )
            )
        total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = await session.scalars(
            stmt.order_by(Tenant.created_at, Tenant.id).limit(limit).offset(offset)
        )
        return list(rows), total

    # memberships

    async def add_membership(self, session: AsyncSession, membership: Membership) -> None:
        session.add(membership)
        await session.flush()

    async def get_membership(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> Membership | None:
        stmt = select(Membership).where(
            Membership.tenant_id == tenant_id, Membership.user_id == user_id
        )
        return await session.scalar(stmt)

    async def set_member_limits(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        limits: dict[str, Any],
    ) -> None:
        await session.execute(
            update(Membership)
            .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
            .values(limits=limits)
        )

    async def member_limits(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> dict[str, Any] | None:
        stmt = select(Membership.limits).where(
            Membership.tenant_id == tenant_id, Membership.user_id == user_id
        )
        return await session.scalar(stmt)

    async def membership_with_user(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[Membership, User, Tenant] | None:
        stmt = (
            select(Membership, User, Tenant)
            .join(User, User.id == Membership.user_id)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
        )
        row = (await session.execute(stmt)).first()
        return (row[0], row[1], row[2]) if row else None

    async def list_members(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[tuple[Membership, User]], int]:
        total = await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant_id)
        )
        stmt = (
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == tenant_id)
            .order_by(Membership.created_at, Membership.user_id)
            .limit(limit)
            .offset(offset)
        )
        rows = (await session.execute(stmt)).all()
        return [(r[0], r[1]) for r in rows], total or 0

    async def lock_owners(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> list[uuid.UUID]:
        """The tenant's owners, locked so two concurrent demotions cannot both pass."""
        stmt = (
            select(Membership.user_id)
            .where(Membership.tenant_id == tenant_id, Membership.role == "owner")
            .with_for_update()
        )
        return list(await session.scalars(stmt))

    async def count_members(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> int:
        stmt = select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant_id)
        return await session.scalar(stmt) or 0

    async def set_role(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID, role: str
    ) -> None:
        await session.execute(
            update(Membership)
            .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
            .values(role=role)
        )

    async def delete_membership(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(Membership).where(
                Membership.tenant_id == tenant_id, Membership.user_id == user_id
            )
        )

    async def user_tenants(
        self, session: AsyncSession, *, user_id: uuid.UUID
    ) -> list[tuple[Membership, Tenant]]:
        """The user's memberships in every tenant (through the self-read policies)."""
        stmt = (
            select(Membership, Tenant)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user_id)
            .order_by(Membership.created_at, Tenant.id)
        )
        return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]

    # invitations

    async def add_invitation(self, session: AsyncSession, invitation: Invitation) -> Invitation:
        session.add(invitation)
        await session.flush()
        return invitation

    async def pending_invitation_for(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, email: str
    ) -> Invitation | None:
        stmt = select(Invitation).where(
            Invitation.tenant_id == tenant_id,
            func.lower(Invitation.email) == email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        return await session.scalar(stmt)

    async def get_invitation(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> Invitation | None:
        stmt = select(Invitation).where(
            Invitation.tenant_id == tenant_id, Invitation.id == invitation_id
        )
        return await session.scalar(stmt)

    async def lock_invitation_by_hash(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, token_hash: bytes
    ) -> Invitation | None:
        stmt = (
            select(Invitation)
            .where(Invitation.tenant_id == tenant_id, Invitation.token_hash == token_hash)
            .with_for_update()
        )
        return await session.scalar(stmt)

    async def list_pending_invitations(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, now: dt.datetime
    ) -> list[Invitation]:
        stmt = (
            select(Invitation)
            .where(
                Invitation.tenant_id == tenant_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at)
        )
        return list(await session.scalars(stmt))


tenant_repository = TenantRepository()
