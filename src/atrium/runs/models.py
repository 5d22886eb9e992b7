from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column
from atrium.runs.schemas import MultitaskStrategy, RunStatus


class Run(Base):
    __tablename__ = "runs"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    thread_id: Mapped[uuid.UUID]
    assistant_id: Mapped[uuid.UUID]
    assistant_version: Mapped[int]
    user_id: Mapped[uuid.UUID | None]
    api_key_id: Mapped[uuid.UUID | None]
    # Text columns holding `RunStatus` and `MultitaskStrategy` values.
    status: Mapped[str] = mapped_column(default=RunStatus.pending)
    multitask_strategy: Mapped[str] = mapped_column(default=MultitaskStrategy.enqueue)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    kwargs: Mapped[dict[str, Any]]
    model: Mapped[str | None]
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(20, 10), default=Decimal(0))
    error: Mapped[dict[str, Any] | None]
    attempt: Mapped[int] = mapped_column(default=0)
    cancel_action: Mapped[str | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class RunEvent(Base):
    __tablename__ = "run_events"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event: Mapped[str]
    data: Mapped[Any] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class ToolCall(Base):
    __tablename__ = "tool_calls"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID]
    call_id: Mapped[str]
    name: Mapped[str]
    input: Mapped[dict[str, Any]]
    output: Mapped[str | None]
    status: Mapped[str]
    latency_ms: Mapped[int]
    approval: Mapped[str | None]
    # The user whose resume command approved, edited or rejected the call.
    approved_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
