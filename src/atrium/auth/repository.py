"""SQL for refresh tokens (tenant-owned, isolated by row-level security)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.models import RefreshToken


class RefreshTokenRepository:
    async def add(self, session: AsyncSession, token: RefreshToken) -> None:
        session.add(token)
        await session.flush()

    async def get_by_hash(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, token_hash: bytes
    ) -> RefreshToken | None:
        stmt = select(RefreshToken).where(
            RefreshToken.tenant_id == tenant_id, RefreshToken.token_hash == token_hash
        )
        return await session.scalar(stmt)

    async def lock_by_hash(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, token_hash: bytes
    ) -> RefreshToken | None:
        stmt = (
            select(RefreshToken)
            .where(RefreshToken.tenant_id == tenant_id, RefreshToken.token_hash == token_hash)
            .with_for_update()
        )
        return await session.scalar(stmt)

    async def mark_rotated(
        self, session: AsyncSession, *, token_id: uuid.UUID, now: dt.datetime
    ) -> None:
        await session.execute(
            update(RefreshToken).where(RefreshToken.id == token_id).values(rotated_at=now)
        )

    async def revoke_family(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, family_id: uuid.UUID, now: dt.datetime
    ) -> int:
        result = await session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.tenant_id == tenant_id,
                RefreshToken.family_id == family_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_user(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime
    ) -> None:
        await session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.tenant_id == tenant_id,
                RefreshToken.user_id == user_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )


refresh_token_repository = RefreshTokenRepository()
