from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID | None]
    name: Mapped[str]
    role: Mapped[str]
    display_prefix: Mapped[str]
    key_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    # Narrower limits than the plan's (tenants.limits.LimitOverrides); '{}' for none.
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
