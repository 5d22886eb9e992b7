from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import LargeBinary, func
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str]
    password_hash: Mapped[str | None]
    full_name: Mapped[str] = mapped_column(default="")
    avatar_url: Mapped[str | None]
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    email_verified_at: Mapped[dt.datetime | None]
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Access tokens issued before it are refused (a password change ends every session).
    password_changed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class EmailToken(Base):
    __tablename__ = "email_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID]
    purpose: Mapped[str]
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    email: Mapped[str]
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class OAuthIdentity(Base):
    __tablename__ = "oauth_identities"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    provider: Mapped[str]
    subject: Mapped[str]
    user_id: Mapped[uuid.UUID]
    email: Mapped[str]
    created_at: Mapped[dt.datetime] = created_at_column()
