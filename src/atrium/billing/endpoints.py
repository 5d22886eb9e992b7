"""HTTP for billing: the tenant's billing state and Stripe's webhook deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from atrium.auth.dependencies import AuthDep
from atrium.billing.schemas import BillingPublic, WebhookReceipt
from atrium.billing.service import BillingService
from atrium.kit.deps import SessionDep, provided
from atrium.kit.errors import BadRequest

router = APIRouter(tags=["billing"])
BillingServiceDep = Annotated[BillingService, Depends(provided("billing_service"))]

# Stripe's events are a few kilobytes; a larger body is not one of them.
_MAX_EVENT_BYTES = 512 * 1024


@router.get("/tenants/current/billing", tags=["tenants"])
async def tenant_billing(
    auth: AuthDep, session: SessionDep, billing_service: BillingServiceDep
) -> BillingPublic:
    """The tenant's plan, its Stripe subscription's status and, after a failed payment, until
    when the plan holds."""
    return await billing_service.status(session=session, auth=auth)


@router.post("/billing/webhook")
async def stripe_webhook(
    request: Request,
    billing_service: BillingServiceDep,
    stripe_signature: Annotated[str | None, Header(max_length=4096)] = None,
) -> WebhookReceipt:
    """Stripe's event deliveries: `checkout.session.completed`,
    `customer.subscription.updated` and `.deleted`, `invoice.payment_failed` move the
    tenant's plan. The signature (`Stripe-Signature`) is verified; an event already
    processed changes nothing (Stripe delivers at least once). No credential: the
    signature is the credential."""
    payload = bytearray()
    async for chunk in request.stream():
        payload += chunk
        if len(payload) > _MAX_EVENT_BYTES:
            raise BadRequest("The body is too large for a Stripe event")
    return await billing_service.receive(payload=bytes(payload), signature=stripe_signature)
