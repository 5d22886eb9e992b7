from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID]
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime]
    rotated_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    ip: Mapped[str | None]
    user_agent: Mapped[str | None]
