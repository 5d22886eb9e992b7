"""SQL for tenants' provider keys (ciphertexts only; isolated by row-level security)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.provider_keys.models import ProviderKey


class ProviderKeyRepository:
    async def add(self, session: AsyncSession, key: ProviderKey) -> ProviderKey:
        session.add(key)
        await session.flush()
        return key

    async def list(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> list[ProviderKey]:
        stmt = (
            select(ProviderKey)
            .where(ProviderKey.tenant_id == tenant_id)
            .order_by(ProviderKey.provider)
        )
        return list(await session.scalars(stmt))

    async def get(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID
    ) -> ProviderKey | None:
        stmt = select(ProviderKey).where(
            ProviderKey.tenant_id == tenant_id, ProviderKey.id == key_id
        )
        return await session.scalar(stmt)

    async def delete(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(ProviderKey).where(ProviderKey.tenant_id == tenant_id, ProviderKey.id == key_id)
        )


provider_key_repository = ProviderKeyRepository()
