from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, Identity, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class UsageRecord(Base):
    __tablename__ = "usage_records"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    user_id: Mapped[uuid.UUID | None]
    api_key_id: Mapped[uuid.UUID | None]
    assistant_id: Mapped[uuid.UUID | None]
    kind: Mapped[str]
    provider: Mapped[str]
    model: Mapped[str]
    input_tokens: Mapped[int]
    output_tokens: Mapped[int]
    estimated: Mapped[bool] = mapped_column(default=False)
    # A BYOK call to a model the catalogue has no price for: recorded at cost 0.
    unpriced: Mapped[bool] = mapped_column(default=False)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    latency_ms: Mapped[int]
    ttft_ms: Mapped[int | None]
    status: Mapped[str]
    request_id: Mapped[str | None]
