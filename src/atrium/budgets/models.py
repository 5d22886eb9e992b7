from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import ARRAY, BigInteger, Date, Numeric, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class BudgetPeriod(Base):
    """Spend and open reservations against one ceiling (a tenant's, a key's or a member's)
    in one calendar month (UTC)."""

    __tablename__ = "budget_periods"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    tokens_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens_reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_spent: Mapped[Decimal] = mapped_column(Numeric(20, 10), default=Decimal(0))
    cost_reserved: Mapped[Decimal] = mapped_column(Numeric(20, 10), default=Decimal(0))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class BudgetReservation(Base):
    """The worst case of one call in flight, held against every ceiling it falls under."""

    __tablename__ = "budget_reservations"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    scope_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    tokens: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime]
