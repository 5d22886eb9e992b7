"""Sign-in sessions: an access token plus a rotating refresh token.

Refresh tokens belong to a family started at sign-in. Each use rotates the token; presenting
a token that was already rotated (or revoked) means it leaked, so the whole family is revoked.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import Role
from atrium.auth.models import RefreshToken
from atrium.auth.repository import refresh_token_repository
from atrium.auth.schemas import TokenPair
from atrium.auth.tokens import TokenSigner
from atrium.kit.db import set_tenant
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import Unauthorized
from atrium.kit.logging import get_logger
from atrium.kit.models import utcnow
from atrium.kit.security import new_tenant_secret, parse_tenant_secret

REFRESH_PREFIX = "rt_"
_log = get_logger("atrium.auth")


class SessionService:
    def __init__(self, *, signer: TokenSigner, refresh_ttl_seconds: int) -> None:
        self._signer = signer
        self._refresh_ttl = dt.timedelta(seconds=refresh_ttl_seconds)

    async def issue(
        self,
        *,
        session: AsyncSession,
        user_id: uuid.UUID,
        tenant_id: uuid.UUID,
        role: Role,
        client: ClientInfo | None,
        family_id: uuid.UUID | None = None,
    ) -> TokenPair:
        secret = new_tenant_secret(REFRESH_PREFIX, tenant_id)
        await set_tenant(session, tenant_id)
        await refresh_token_repository.add(
            session,
            RefreshToken(
                tenant_id=tenant_id,
                user_id=user_id,
                family_id=family_id or uuid.uuid4(),
                token_hash=secret.hash,
                expires_at=utcnow() + self._refresh_ttl,
                ip=client.ip if client else None,
                user_agent=client.user_agent if client else None,
            ),
        )
        access = self._signer.issue(user_id=user_id, tenant_id=tenant_id, role=role)
        return TokenPair(
            access_token=access,
            refresh_token=secret.value,
            expires_in=self._signer.ttl_seconds,
            tenant_id=tenant_id,
            role=role.value,
        )

    async def take_refresh_token(self, *, session: AsyncSession, token: str) -> RefreshToken:
        """Consume a refresh token for rotation; on reuse, revoke its family and refuse."""
        secret = parse_tenant_secret(REFRESH_PREFIX, token)
        if secret is None:
            raise Unauthorized("Invalid refresh token")
        await set_tenant(session, secret.tenant_id)
        row = await refresh_token_repository.lock_by_hash(
            session, tenant_id=secret.tenant_id, token_hash=secret.hash
        )
        now = utcnow()
        if row is None:
            raise Unauthorized("Invalid refresh token")
        if row.rotated_at is not None or row.revoked_at is not None:
            revoked = await refresh_token_repository.revoke_family(
                session, tenant_id=row.tenant_id, family_id=row.family_id, now=now
            )
            _log.warning(
                "refresh_token_reuse",
                family_id=str(row.family_id),
                revoked=revoked,
                tenant_id=str(row.tenant_id),
                user_id=str(row.user_id),
            )
            # commit=True: the family's revocation must survive this refusal.
            raise Unauthorized("Refresh token was already used; session revoked", commit=True)
        if row.expires_at <= now:
            raise Unauthorized("Refresh token expired")
        await refresh_token_repository.mark_rotated(session, token_id=row.id, now=now)
        return row

    async def revoke(self, *, session: AsyncSession, token: str) -> None:
        secret = parse_tenant_secret(REFRESH_PREFIX, token)
        if secret is None:
            return
        await set_tenant(session, secret.tenant_id)
        row = await refresh_token_repository.lock_by_hash(
            session, tenant_id=secret.tenant_id, token_hash=secret.hash
        )
        if row is not None:
            await refresh_token_repository.revoke_family(
                session, tenant_id=row.tenant_id, family_id=row.family_id, now=utcnow()
            )

    async def revoke_user_in_tenant(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await set_tenant(session, tenant_id)
        await refresh_token_repository.revoke_user(
            session, tenant_id=tenant_id, user_id=user_id, now=utcnow()
        )
