"""Tenants' own provider keys (BYOK): sealed with AES-GCM at rest, never returned, logged or
traced after creation. A tenant's base URL must be public unless a platform administrator
allowed private addresses for that tenant."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, require
from atrium.kit.crypto import SecretBox
from atrium.kit.db import set_tenant
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import Conflict, Forbidden, NotFound
from atrium.kit.invalidation import TenantChanges
from atrium.kit.logging import get_logger
from atrium.kit.netguard import check_public_url
from atrium.provider_keys.models import ProviderKey
from atrium.provider_keys.repository import provider_key_repository
from atrium.provider_keys.schemas import ProviderKeyCreate
from atrium.providers.types import Credentials
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService

_log = get_logger("atrium.provider_keys")


def _context(tenant_id: uuid.UUID, provider: str) -> str:
    return f"provider-key/{tenant_id}/{provider}"


class ProviderKeyService:
    def __init__(
        self, *, secrets: SecretBox, changes: TenantChanges, tenants: TenantService
    ) -> None:
        self._secrets = secrets
        self._changes = changes
        self._tenants = tenants

    async def create(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        data: ProviderKeyCreate,
        client: ClientInfo,
    ) -> ProviderKey:
        require(auth, Resource.tenant_secrets, Action.change)
        if not (await self._tenants.plan_limits(auth.plan_id)).has(Feature.byok):
            raise Forbidden("Your plan does not include your own provider keys (BYOK)")
        base_url = str(data.base_url).rstrip("/") if data.base_url else None
        if base_url is not None:
            tenant = await self._tenants.current(session=session, auth=auth)
            if not tenant.allow_private_provider_urls:
                await check_public_url(base_url, field="base_url")
        secret = data.api_key.get_secret_value()
        key = ProviderKey(
            tenant_id=auth.tenant_id,
            provider=data.provider,
            base_url=base_url,
            ciphertext=self._secrets.seal(secret, context=_context(auth.tenant_id, data.provider)),
            key_hint=secret[-4:] if len(secret) >= 12 else "",
            created_by=auth.user_id,
        )
        try:
            async with session.begin_nested():
                await provider_key_repository.add(session, key)
        except IntegrityError as exc:
            raise Conflict(
                f"A {data.provider} key is already stored; delete it first", field="provider"
            ) from exc
        self._changes.announce(session, auth.tenant_id)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="provider_key.created",
            client=client,
            target_type="provider_key",
            target_id=key.id,
            details={"provider": data.provider},
        )
        return key

    async def list_keys(self, *, session: AsyncSession, auth: AuthContext) -> list[ProviderKey]:
        """The tenant's provider keys, without secrets (owners and admins)."""
        require(auth, Resource.tenant_secrets, Action.read)
        return await provider_key_repository.list(session, tenant_id=auth.tenant_id)

    async def delete(
        self, *, session: AsyncSession, auth: AuthContext, key_id: uuid.UUID, client: ClientInfo
    ) -> None:
        key = await provider_key_repository.get(session, tenant_id=auth.tenant_id, key_id=key_id)
        if key is None:
            raise NotFound("Provider key not found")
        require(auth, Resource.tenant_secrets, Action.change)
        await provider_key_repository.delete(session, tenant_id=auth.tenant_id, key_id=key_id)
        self._changes.announce(session, auth.tenant_id)
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="provider_key.deleted",
            client=client,
            target_type="provider_key",
            target_id=key_id,
            details={"provider": key.provider},
        )

    async def tenant_keys(
        self, *, session: AsyncSession, tenant_id: uuid.UUID
    ) -> dict[str, ProviderKey]:
        """The tenant's stored keys by provider, still sealed."""
        await set_tenant(session, tenant_id)
        keys = await provider_key_repository.list(session, tenant_id=tenant_id)
        if any(k.base_url for k in keys):
            # Read now, not when the key was stored: the switch can be turned off since.
            tenant = await self._tenants.get_for_worker(session=session, tenant_id=tenant_id)
            for key in keys:
                key.allow_private = tenant.allow_private_provider_urls
        return {k.provider: k for k in keys}

    def open(self, key: ProviderKey) -> Credentials:
        """Decrypt a stored key for one call; the plaintext is never stored or logged."""
        secret = self._secrets.open(key.ciphertext, context=_context(key.tenant_id, key.provider))
        return Credentials(
            api_key=secret,
            base_url=key.base_url,
            source="tenant",
            allow_private=key.allow_private,
        )

    async def reseal_all(self, *, session: AsyncSession, tenant_ids: list[uuid.UUID]) -> int:
        """Re-encrypt every stored key under the current secret key (after a rotation, with
        the old key in ATRIUM_SECRET_KEY_PREVIOUS). Returns how many were re-sealed."""
        box = self._secrets
        count = 0
        for tenant_id in tenant_ids:
            await set_tenant(session, tenant_id)
            for key in await provider_key_repository.list(session, tenant_id=tenant_id):
                if box.is_current(key.ciphertext):
                    continue
                context = _context(tenant_id, key.provider)
                key.ciphertext = box.seal(
                    box.open(key.ciphertext, context=context), context=context
                )
                count += 1
        await session.flush()
        return count
