"""SQL for users, their e-mail tokens and their external identities (not tenant-owned)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.users.models import EmailToken, OAuthIdentity, User


class UserRepository:
    async def get(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        return await session.get(User, user_id)

    async def get_by_email(self, session: AsyncSession, email: str) -> User | None:
        stmt = select(User).where(func.lower(User.email) == email.lower())
        return await session.scalar(stmt)

    async def add(self, session: AsyncSession, user: User) -> User:
        session.add(user)
        await session.flush()
        return user

    async def add_email_token(self, session: AsyncSession, token: EmailToken) -> None:
        session.add(token)
        await session.flush()

    async def take_email_token(
        self, session: AsyncSession, *, token_hash: bytes, purpose: str, now: dt.datetime
    ) -> EmailToken | None:
        """Mark an unused, unexpired token used and return it; None if there is none."""
        stmt = (
            update(EmailToken)
            .where(
                EmailToken.token_hash == token_hash,
                EmailToken.purpose == purpose,
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(EmailToken)
        )
        return await session.scalar(stmt)

    async def expire_email_tokens(
        self, session: AsyncSession, *, user_id: uuid.UUID, purpose: str, now: dt.datetime
    ) -> None:
        await session.execute(
            update(EmailToken)
            .where(
                EmailToken.user_id == user_id,
                EmailToken.purpose == purpose,
                EmailToken.used_at.is_(None),
            )
            .values(used_at=now)
        )

    async def get_identity(
        self, session: AsyncSession, *, provider: str, subject: str
    ) -> OAuthIdentity | None:
        stmt = select(OAuthIdentity).where(
            OAuthIdentity.provider == provider, OAuthIdentity.subject == subject
        )
        return await session.scalar(stmt)

    async def add_identity(self, session: AsyncSession, identity: OAuthIdentity) -> None:
        session.add(identity)
        await session.flush()


user_repository = UserRepository()
