from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import LargeBinary, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class McpServer(Base):
    __tablename__ = "mcp_servers"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The namespace of its tools: `<name>__<tool>`.
    name: Mapped[str]
    transport: Mapped[str]
    url: Mapped[str | None]
    command: Mapped[str | None]
    args: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # HTTP headers (http) or environment variables (stdio) as sealed JSON; never returned.
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(default=True)
    # As discovered: [{"name", "description", "input_schema"}].
    tools: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    tools_discovered_at: Mapped[dt.datetime | None]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
