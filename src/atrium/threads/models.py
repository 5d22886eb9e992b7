from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column
from atrium.threads.schemas import ThreadStatus


class Thread(Base):
    __tablename__ = "threads"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID | None]
    project_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(default=ThreadStatus.idle)  # a `ThreadStatus`
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    values: Mapped[dict[str, Any] | None]
    interrupts: Mapped[dict[str, Any]]
    error: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()
