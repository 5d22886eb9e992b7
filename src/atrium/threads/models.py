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


class ThreadShare(Base):
    """A read-only link to a thread for the members of its tenant. Revoking sets
    `revoked_at` (the row stays, so the thread's list still says who made it and when)."""

    __tablename__ = "thread_shares"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    thread_id: Mapped[uuid.UUID]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    revoked_at: Mapped[dt.datetime | None]
