from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class Assistant(Base):
    __tablename__ = "assistants"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    graph_id: Mapped[str]
    name: Mapped[str]
    description: Mapped[str | None]
    config: Mapped[dict[str, Any]]
    context: Mapped[dict[str, Any]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    version: Mapped[int] = mapped_column(default=1)
    project_id: Mapped[uuid.UUID | None]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()


class AssistantVersion(Base):
    __tablename__ = "assistant_versions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    assistant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    graph_id: Mapped[str]
    name: Mapped[str]
    description: Mapped[str | None]
    config: Mapped[dict[str, Any]]
    context: Mapped[dict[str, Any]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_at: Mapped[dt.datetime] = created_at_column()
