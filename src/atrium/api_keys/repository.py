"""SQL for API keys (tenant-owned, isolated by row-level security)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.api_keys.models import ApiKey
from atrium.tenants.models import Membership, Tenant
from atrium.users.models import User

# last_used_at is advisory; writing it at most once a minute keeps hot keys off the WAL.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


class ApiKeyRepository:
    async def add(self, session: AsyncSession, key: ApiKey) -> ApiKey:
        session.add(key)
        await session.flush()
        return key

    async def list(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[list[ApiKey], int]:
        """The tenant's unrevoked keys; only `user_id`'s when it is given."""
        where = [ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None)]
        if user_id is not None:
            where.append(ApiKey.user_id == user_id)
        total = await session.scalar(select(func.count()).select_from(ApiKey).where(*where))
        rows = await session.scalars(
            select(ApiKey)
            .where(*where)
            .order_by(ApiKey.created_at, ApiKey.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0

    async def get(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID
    ) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id)
        return await session.scalar(stmt)

    async def revoke(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID, now: dt.datetime
    ) -> None:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id)
            .values(revoked_at=now)
        )

    async def revoke_user(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime
    ) -> int:
        """Revoke every key `user_id` made in the tenant; how many were still live."""
        result = await session.execute(
            update(ApiKey)
            .where(
                ApiKey.tenant_id == tenant_id,
                ApiKey.user_id == user_id,
                ApiKey.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def find_active(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_hash: bytes, now: dt.datetime
    ) -> tuple[ApiKey, Tenant, str | None] | None:
        """The live key with this hash, its tenant, and its creator's current role in the
        tenant (None when the creator left it or was deactivated), in one round trip."""
        stmt = (
            select(ApiKey, Tenant, Membership.role, User.id)
            .join(Tenant, Tenant.id == ApiKey.tenant_id)
            .outerjoin(
                Membership,
                (Membership.tenant_id == ApiKey.tenant_id) & (Membership.user_id == ApiKey.user_id),
            )
            .outerjoin(User, (User.id == ApiKey.user_id) & User.is_active)
            .where(
                ApiKey.tenant_id == tenant_id,
                ApiKey.key_hash == key_hash,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
            )
        )
        row = (await session.execute(stmt)).first()
        if row is None:
            return None
        key, tenant, role, active_user = row[0], row[1], row[2], row[3]
        return key, tenant, role if active_user is not None else None

    async def touch(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID, now: dt.datetime
    ) -> None:
        await session.execute(
            update(ApiKey)
            .where(
                ApiKey.tenant_id == tenant_id,
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - TOUCH_INTERVAL),
            )
            .values(last_used_at=now)
        )

    async def set_limits(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        key_id: uuid.UUID,
        limits: dict[str, Any],
    ) -> None:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id)
            .values(limits=limits)
        )

    async def limits_of(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID
    ) -> dict[str, Any] | None:
        stmt = select(ApiKey.limits).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id)
        return await session.scalar(stmt)


api_key_repository = ApiKeyRepository()
