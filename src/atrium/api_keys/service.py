"""API keys for programs: shown once, stored hashed, scoped to one tenant and a role."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.api_keys.models import ApiKey
from atrium.api_keys.repository import TOUCH_INTERVAL, api_key_repository
from atrium.api_keys.schemas import ApiKeyCreate
from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext, Role
from atrium.auth.permissions import (
    Action,
    Resource,
    lower_role,
    owner_filter,
    require,
    require_on,
    role_at_most,
)
from atrium.kit.db import set_tenant
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import Forbidden, NotFound, Unauthorized
from atrium.kit.invalidation import TenantChanges
from atrium.kit.models import utcnow
from atrium.kit.security import digest, new_tenant_secret, parse_tenant_secret
from atrium.tenants.limits import LimitOverrides

API_KEY_PREFIX = "atr_"


class ApiKeyService:
    def __init__(self, *, changes: TenantChanges) -> None:
        self._changes = changes

    async def create(
        self, *, session: AsyncSession, auth: AuthContext, data: ApiKeyCreate, client: ClientInfo
    ) -> tuple[ApiKey, str]:
        """A key for the signed-in caller, with a role no higher than theirs."""
        require(auth, Resource.api_keys, Action.create)  # keys never make keys
        if not auth.is_user_session:
            raise Forbidden("API keys are created by a signed-in user")
        if not role_at_most(auth, Role(data.role)):
            raise Forbidden(f"Your role ({auth.role}) may not create {data.role} keys")
        secret = new_tenant_secret(API_KEY_PREFIX, auth.tenant_id)
        expires_at = (
            utcnow() + dt.timedelta(days=data.expires_in_days) if data.expires_in_days else None
        )
        key = await api_key_repository.add(
            session,
            ApiKey(
                tenant_id=auth.tenant_id,
                user_id=auth.user_id,
                name=data.name,
                role=data.role,
                display_prefix=f"{API_KEY_PREFIX}...{secret.value[-6:]}",
                key_hash=secret.hash,
                expires_at=expires_at,
            ),
        )
        await session.refresh(key)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="api_key.created",
            client=client,
            target_type="api_key",
            target_id=key.id,
            details={"role": data.role},
        )
        return key, secret.value

    async def list(
        self, *, session: AsyncSession, auth: AuthContext, limit: int, offset: int
    ) -> tuple[list[ApiKey], int]:
        """The tenant's keys for owners and admins; a member's own for a member."""
        return await api_key_repository.list(
            session,
            tenant_id=auth.tenant_id,
            user_id=owner_filter(auth, Resource.api_keys, Action.read),
            limit=limit,
            offset=offset,
        )

    async def revoke(
        self, *, session: AsyncSession, auth: AuthContext, key_id: uuid.UUID, client: ClientInfo
    ) -> None:
        key = await api_key_repository.get(session, tenant_id=auth.tenant_id, key_id=key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound("API key not found")
        require_on(auth, Resource.api_keys, Action.change, owner_id=key.user_id)
        await api_key_repository.revoke(
            session, tenant_id=auth.tenant_id, key_id=key_id, now=utcnow()
        )
        self._changes.announce(session, auth.tenant_id)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="api_key.revoked",
            client=client,
            target_type="api_key",
            target_id=key_id,
        )

    async def revoke_all_of(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> int:
        """Revoke every key `user_id` made in the tenant (they left it, or their password
        was reset); the session must already be scoped to the tenant."""
        revoked = await api_key_repository.revoke_user(
            session, tenant_id=tenant_id, user_id=user_id, now=utcnow()
        )
        self._changes.announce(session, tenant_id)
        return revoked

    async def set_limits(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        key_id: uuid.UUID,
        limits: LimitOverrides,
        client: ClientInfo,
    ) -> LimitOverrides:
        """Narrow one key's limits below the plan's (tenant admins only); replaces any set
        before. Every replica applies them within its cache's lifetime."""
        auth.require_admin("Only tenant owners and admins can set a key's limits")
        key = await api_key_repository.get(session, tenant_id=auth.tenant_id, key_id=key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound("API key not found")
        stored = limits.model_dump(exclude_none=True)
        await api_key_repository.set_limits(
            session, tenant_id=auth.tenant_id, key_id=key_id, limits=stored
        )
        self._changes.announce(session, auth.tenant_id)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="api_key.limits_changed",
            client=client,
            target_type="api_key",
            target_id=key_id,
            details={"limits": stored},
        )
        return LimitOverrides.model_validate(stored)

    async def overrides(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, key_id: uuid.UUID
    ) -> LimitOverrides | None:
        """The limits set on one key, or None when it has none (or does not exist)."""
        stored = await api_key_repository.limits_of(session, tenant_id=tenant_id, key_id=key_id)
        return LimitOverrides.model_validate(stored) if stored else None

    async def authenticate(self, *, session: AsyncSession, presented: str) -> AuthContext:
        secret = parse_tenant_secret(API_KEY_PREFIX, presented)
        if secret is None:
            raise Unauthorized("Invalid API key")
        await set_tenant(session, secret.tenant_id)
        now = utcnow()
        found = await api_key_repository.find_active(
            session, tenant_id=secret.tenant_id, key_hash=digest(secret.value), now=now
        )
        if found is None:
            raise Unauthorized("Invalid API key")
        key, tenant, creator_role = found
        if creator_role is None:
            # Its creator left the tenant or was deactivated: the key went with them.
            raise Unauthorized("Invalid API key")
        if tenant.status != "active":
            raise Forbidden("This tenant is suspended")
        if key.last_used_at is None or now - key.last_used_at > TOUCH_INTERVAL:
            await api_key_repository.touch(session, tenant_id=key.tenant_id, key_id=key.id, now=now)
        return AuthContext(
            tenant_id=key.tenant_id,
            # Read on every request (and at most a few seconds old in the gateway's cache),
            # so a demotion of the creator takes effect on their keys at once.
            role=lower_role(Role(key.role), Role(creator_role)),
            user_id=key.user_id,
            api_key_id=key.id,
            plan_id=tenant.plan_id,
        )
