from __future__ import annotations

import datetime as dt
from typing import Literal

from atrium.kit.schemas import Output


class SubscriptionPublic(Output):
    """`active`: the tenant is on `plan_id` now. `checkout_required`: pay at
    `checkout_url`; the plan changes when Stripe confirms the payment. `pending`: the
    tenant's subscription was switched to the plan's price; the plan changes when Stripe
    confirms it."""

    status: Literal["active", "checkout_required", "pending"]
    plan_id: str
    checkout_url: str | None = None
    checkout_session_id: str | None = None


class WebhookReceipt(Output):
    received: bool
    duplicate: bool


class BillingPublic(Output):
    """The tenant's plan and, with Stripe, its subscription: after a failed payment the
    plan holds until `grace_until`, then the tenant returns to the free plan."""

    plan_id: str
    billing_enabled: bool
    subscription_status: str | None = None
    paid_plan_id: str | None = None
    grace_until: dt.datetime | None = None
