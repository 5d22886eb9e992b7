"""E-mail verification and password reset, by single-use links sent over SMTP."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.api_keys.service import ApiKeyService
from atrium.audit.service import audit_service
from atrium.auth.sessions import SessionService
from atrium.kit.db import after_commit
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import InvalidToken
from atrium.kit.logging import get_logger
from atrium.kit.mail import Mail, Mailer
from atrium.kit.ratelimit import RateLimiter
from atrium.tenants.service import TenantService
from atrium.users.models import User
from atrium.users.service import user_service

_log = get_logger("atrium.auth")
VERIFY = "verify_email"
RESET = "reset_password"
# Reset requests per address: enough for a forgetful person, useless for mail-bombing.
RESET_RATE = "5/hour"


class RecoveryService:
    def __init__(
        self,
        *,
        mailer: Mailer,
        limiter: RateLimiter,
        sessions: SessionService,
        tenants: TenantService,
        api_keys: ApiKeyService,
        base_url: str,
        email_token_ttl_seconds: int,
    ) -> None:
        self._api_keys = api_keys
        self._mailer = mailer
        self._limiter = limiter
        self._sessions = sessions
        self._tenants = tenants
        self._base_url = base_url
        self._token_ttl = email_token_ttl_seconds

    def _queue(self, session: AsyncSession, mail: Mail, name: str) -> None:
        after_commit(session, lambda: self._mailer.send(mail), name=name)

    async def send_verification(self, *, session: AsyncSession, user: User) -> None:
        token = await user_service.new_email_token(
            session=session, user=user, purpose=VERIFY, ttl_seconds=self._token_ttl
        )
        # The dashboard's page, which confirms through `verify_email` below.
        link = f"{self._base_url}/verify-email?token={token}"
        self._queue(
            session,
            Mail(
                to=user.email,
                subject="Confirm your e-mail address for Atrium",
                text=(
                    f"Hello {user.full_name},\n\n"
                    f"Confirm your e-mail address by opening this link:\n{link}\n\n"
                    "If you did not create an Atrium account, ignore this message.\n"
                ),
                link=link,
            ),
            "mail.verify_email",
        )

    async def verify_email(self, *, session: AsyncSession, token: str) -> User:
        user = await user_service.take_email_token(session=session, token=token, purpose=VERIFY)
        if user is None:
            raise InvalidToken("Invalid or expired verification link", field="token")
        await user_service.mark_email_verified(session=session, user=user)
        return user

    async def forgot_password(self, *, session: AsyncSession, email: str) -> None:
        """Send a reset link if the account exists. The answer is the same either way, so the
        endpoint does not reveal which addresses have accounts."""
        if not await self._limiter.hit(RESET_RATE, "password_reset", email.lower()):
            _log.info("password_reset_throttled")
            return
        user = await user_service.get_by_email(session=session, email=email)
        if user is None or not user.is_active:
            return
        token = await user_service.new_email_token(
            session=session,
            user=user,
            purpose=RESET,
            ttl_seconds=min(self._token_ttl, 3600),
        )
        # The dashboard's page, which posts the new password to /auth/reset-password's service.
        link = f"{self._base_url}/reset-password?token={token}"
        self._queue(
            session,
            Mail(
                to=user.email,
                subject="Reset your Atrium password",
                text=(
                    f"Hello {user.full_name},\n\n"
                    "Someone asked to reset the password of your Atrium "
                    f"account. To choose a new one, open this link within the hour:\n{link}\n\n"
                    f"Reset token: {token}\n\nIf it was not you, ignore this message.\n"
                ),
                link=link,
            ),
            "mail.reset_password",
        )

    async def reset_password(
        self, *, session: AsyncSession, token: str, password: str, client: ClientInfo
    ) -> User:
        """Set a new password by an e-mailed link (see `change_password`)."""
        user = await user_service.take_email_token(session=session, token=token, purpose=RESET)
        if user is None:
            raise InvalidToken("Invalid or expired reset link", field="token")
        # The link arrived by e-mail, which proves the address.
        await user_service.mark_email_verified(session=session, user=user)
        await self.change_password(
            session=session, user=user, password=password, client=client, reset=True
        )
        return user

    async def change_password(
        self,
        *,
        session: AsyncSession,
        user: User,
        password: str,
        client: ClientInfo | None,
        reset: bool = False,
    ) -> None:
        """Set a new password and end every session and API key the user has, in every
        tenant (whoever changed the password may not be whoever made them)."""
        await user_service.set_password(session=session, user=user, password=password)
        for membership, _ in await self._tenants.user_tenants(session=session, user_id=user.id):
            await self._sessions.revoke_user_in_tenant(
                session=session, tenant_id=membership.tenant_id, user_id=user.id
            )
            await self._api_keys.revoke_all_of(
                session=session, tenant_id=membership.tenant_id, user_id=user.id
            )
            await audit_service.record(
                session=session,
                tenant_id=membership.tenant_id,
                action="auth.password_reset" if reset else "auth.password_changed",
                actor_user_id=user.id,
                client=client,
                target_type="user",
                target_id=user.id,
            )
