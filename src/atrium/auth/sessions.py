"""Sign-in sessions: an access token plus a rotating refresh token.

Refresh tokens belong to a family started at sign-in. Each use rotates the token; presenting
a token that was already rotated (or revoked) means it leaked, so the whole family is revoked.

The web dashboard's session is the same kind of token, held in an HttpOnly cookie and
presented as is on every request (`resume`): signing out, a password change or a removal
revokes it exactly as it revokes an SDK's refresh token. Its CSRF token is derived from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
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
SESSION_COOKIE = "atrium_session"
CSRF_HEADER = "x-csrf-token"
_log = get_logger("atrium.auth")


class SessionService:
    def __init__(self, *, signer: TokenSigner, refresh_ttl_seconds: int, csrf_key: str) -> None:
        self._signer = signer
        self._refresh_ttl = dt.timedelta(seconds=refresh_ttl_seconds)
        self._csrf_key = hashlib.sha256(b"atrium-csrf:" + csrf_key.encode()).digest()

    @property
    def ttl_seconds(self) -> int:
        return int(self._refresh_ttl.total_seconds())

    def csrf_token(self, token: str) -> str:
        """The CSRF token bound to one browser session (derived, so nothing is stored)."""
        return hmac.new(self._csrf_key, token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, token: str, presented: str) -> bool:
        return hmac.compare_digest(self.csrf_token(token), presented)

    async def resume(self, *, session: AsyncSession, token: str) -> RefreshToken:
        """The live session a browser cookie holds, without rotating it; 401 when it was
        revoked, rotated away or has expired."""
        secret = parse_tenant_secret(REFRESH_PREFIX, token)
        if secret is None:
            raise Unauthorized("Your session has ended; please sign in again")
        await set_tenant(session, secret.tenant_id)
        row = await refresh_token_repository.get_by_hash(
            session, tenant_id=secret.tenant_id, token_hash=secret.hash
        )
        if (
            row is None
            or row.rotated_at is not None
            or row.revoked_at is not None
            or row.expires_at <= utcnow()
        ):
            raise Unauthorized("Your session has ended; please sign in again")
        return row

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
