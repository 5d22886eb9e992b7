"""Users: platform-wide identities, their profiles, passwords and e-mail tokens."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.errors import Conflict, NotFound
from atrium.kit.models import utcnow
from atrium.kit.security import digest, hash_password, new_user_secret
from atrium.users.models import EmailToken, OAuthIdentity, User
from atrium.users.repository import user_repository
from atrium.users.schemas import UserUpdate

_EMAIL_TOKEN_PREFIX = {"verify_email": "evt_", "reset_password": "pwr_"}


class UserService:
    async def get(self, *, session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await user_repository.get(session, user_id)
        if user is None or not user.is_active:
            raise NotFound("User not found")
        return user

    async def get_by_email(self, *, session: AsyncSession, email: str) -> User | None:
        return await user_repository.get_by_email(session, email)

    async def create(
        self,
        *,
        session: AsyncSession,
        email: str,
        full_name: str,
        password: str | None,
        email_verified: bool = False,
        is_platform_admin: bool = False,
        avatar_url: str | None = None,
    ) -> User:
        if await user_repository.get_by_email(session, email) is not None:
            raise Conflict("An account with this e-mail already exists", field="email")
        user = User(
            id=uuid.uuid4(),
            email=email,
            full_name=full_name,
            password_hash=hash_password(password) if password is not None else None,
            email_verified_at=utcnow() if email_verified else None,
            is_platform_admin=is_platform_admin,
            avatar_url=avatar_url,
            preferences={},
        )
        try:
            async with session.begin_nested():
                await user_repository.add(session, user)
        except IntegrityError as exc:  # a concurrent registration won the race
            raise Conflict("An account with this e-mail already exists", field="email") from exc
        return user

    async def update(self, *, session: AsyncSession, user: User, data: UserUpdate) -> User:
        changes = data.model_dump(exclude_unset=True)
        if "full_name" in changes and changes["full_name"] is not None:
            user.full_name = changes["full_name"]
        if "avatar_url" in changes:
            user.avatar_url = str(changes["avatar_url"]) if changes["avatar_url"] else None
        if "preferences" in changes and changes["preferences"] is not None:
            user.preferences = changes["preferences"]
        await session.flush()
        await session.refresh(user)
        return user

    async def set_password(
        self, *, session: AsyncSession, user: User, password: str, changed: bool = True
    ) -> None:
        """Store a new password hash. `changed=False` for a rehash of the same password
        (sign-in upgrading its parameters), which must not end the user's sessions."""
        user.password_hash = hash_password(password)
        if changed:
            user.password_changed_at = utcnow()
        await session.flush()

    async def mark_email_verified(self, *, session: AsyncSession, user: User) -> None:
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            await session.flush()

    async def new_email_token(
        self, *, session: AsyncSession, user: User, purpose: str, ttl_seconds: int
    ) -> str:
        """A single-use token for `purpose`; earlier unused ones for it stop working."""
        now = utcnow()
        await user_repository.expire_email_tokens(
            session, user_id=user.id, purpose=purpose, now=now
        )
        token = new_user_secret(_EMAIL_TOKEN_PREFIX[purpose])
        await user_repository.add_email_token(
            session,
            EmailToken(
                user_id=user.id,
                purpose=purpose,
                token_hash=digest(token),
                email=user.email,
                expires_at=now + dt.timedelta(seconds=ttl_seconds),
            ),
        )
        return token

    async def take_email_token(
        self, *, session: AsyncSession, token: str, purpose: str
    ) -> User | None:
        if not token.startswith(_EMAIL_TOKEN_PREFIX[purpose]):
            return None
        row = await user_repository.take_email_token(
            session, token_hash=digest(token), purpose=purpose, now=utcnow()
        )
        if row is None:
            return None
        user = await user_repository.get(session, row.user_id)
        # A token sent to an address the user has since changed proves nothing.
        if user is None or not user.is_active or user.email.lower() != row.email.lower():
            return None
        return user

    async def find_identity(
        self, *, session: AsyncSession, provider: str, subject: str
    ) -> OAuthIdentity | None:
        return await user_repository.get_identity(session, provider=provider, subject=subject)

    async def link_identity(
        self, *, session: AsyncSession, user: User, provider: str, subject: str, email: str
    ) -> None:
        await user_repository.add_identity(
            session,
            OAuthIdentity(provider=provider, subject=subject, user_id=user.id, email=email),
        )


user_service = UserService()
