from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base


class BillingAccount(Base):
    """A tenant's Stripe customer and subscription, and until when a failed payment is
    forgiven before the tenant returns to the free plan."""

    __tablename__ = "billing_accounts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    stripe_customer_id: Mapped[str | None]
    stripe_subscription_id: Mapped[str | None]
    subscription_status: Mapped[str | None]
    paid_plan_id: Mapped[str | None]
    grace_until: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class StripeEvent(Base):
    """A Stripe event already acted on: a redelivery of the same id changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[str]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
