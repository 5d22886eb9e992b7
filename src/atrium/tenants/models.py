from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ARRAY, LargeBinary, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    position: Mapped[int]
    monthly_price_cents: Mapped[int]
    limits: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = created_at_column()


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str]
    plan_id: Mapped[str]
    status: Mapped[str] = mapped_column(default="active")
    allow_private_provider_urls: Mapped[bool] = mapped_column(default=False)
    # Host names the tenant's outbound calls (fetch, web pages, MCP) are limited to; empty:
    # any public host.
    outbound_allowlist: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Membership(Base):
    __tablename__ = "memberships"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[str]
    # Narrower limits than the plan's (tenants.limits.LimitOverrides); '{}' for none.
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str]
    role: Mapped[str]
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    invited_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    accepted_by: Mapped[uuid.UUID | None]
    revoked_at: Mapped[dt.datetime | None]
