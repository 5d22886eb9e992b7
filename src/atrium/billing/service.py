"""Billing: a tenant pays for a plan through Stripe Checkout, and Stripe's events move the
plan. Without Stripe configured only platform administrators change plans
(`PATCH /admin/tenants/{id}`); an owner may still return to a free plan."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext, Role
from atrium.billing.models import BillingAccount
from atrium.billing.payments import StripePayments
from atrium.billing.repository import billing_repository
from atrium.billing.schemas import BillingPublic, SubscriptionPublic, WebhookReceipt
from atrium.kit.db import Database, set_platform_admin, set_tenant
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import AtriumError, BadRequest, Forbidden
from atrium.kit.logging import get_logger
from atrium.kit.models import utcnow
from atrium.tenants.service import DEFAULT_PLAN, TenantService

_log = get_logger("atrium.billing")


class BillingNotConfigured(AtriumError):
    status_code = 409
    code = "billing_not_configured"


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses that Atrium acts on; others leave the plan alone."""

    active = "active"
    trialing = "trialing"
    past_due = "past_due"
    unpaid = "unpaid"
    canceled = "canceled"
    incomplete_expired = "incomplete_expired"
    paused = "paused"


_PAYING = {SubscriptionStatus.active, SubscriptionStatus.trialing}
_ENDED = {
    SubscriptionStatus.unpaid,
    SubscriptionStatus.canceled,
    SubscriptionStatus.incomplete_expired,
    SubscriptionStatus.paused,
}


class BillingService:
    def __init__(
        self,
        *,
        db: Database,
        tenants: TenantService,
        payments: StripePayments | None,
        grace_days: float,
        sweep_seconds: float,
    ) -> None:
        self._db = db
        self._tenants = tenants
        self._payments = payments
        self._grace = dt.timedelta(days=grace_days)
        self._sweep_seconds = sweep_seconds
        self._task: asyncio.Task[None] | None = None

    # subscribing

    async def subscribe(
        self, *, auth: AuthContext, plan_id: str, client: ClientInfo
    ) -> SubscriptionPublic:
        """An owner's request for another plan. A paid plan answers with a Stripe Checkout
        URL, or switches the tenant's running subscription to the plan's price; either way
        the plan changes when Stripe reports it. A free plan applies at once and cancels the
        tenant's Stripe subscription. No transaction stays open while Stripe is called."""
        if auth.role != Role.owner or not auth.is_user_session:
            raise Forbidden("Only an owner can change the plan")
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            plan = await self._tenants.get_plan(session=session, plan_id=plan_id)
            tenant = await self._tenants.current(session=session, auth=auth)
            account = await billing_repository.get_account(session, tenant_id=auth.tenant_id)
        subscription = account.stripe_subscription_id if account else None
        status = account.subscription_status if account else None
        if plan.monthly_price_cents == 0:
            if subscription and status != SubscriptionStatus.canceled and self._payments:
                await self._payments.cancel_subscription(subscription)
            async with self._db.transaction(tenant_id=auth.tenant_id) as session:
                await self._cancelled(session=session, tenant_id=auth.tenant_id)
                await self._tenants.change_plan(
                    session=session,
                    tenant_id=auth.tenant_id,
                    plan_id=plan.id,
                    reason="owner",
                    actor_user_id=auth.user_id,
                    client=client,
                )
            return SubscriptionPublic(status="active", plan_id=plan.id)
        if tenant.plan_id == plan.id:
            return SubscriptionPublic(status="active", plan_id=plan.id)
        price = self._payments.price_for(plan.id) if self._payments else None
        if self._payments is None or price is None:
            raise BillingNotConfigured(
                "Paid plans cannot be bought on this installation (Stripe is not configured "
                "for this plan); a platform administrator changes plans",
                field="plan_id",
            )
        if subscription and status in {*_PAYING, SubscriptionStatus.past_due}:
            await self._payments.change_price(
                subscription_id=subscription,
                tenant_id=auth.tenant_id,
                plan_id=plan.id,
                price_id=price,
            )
            return SubscriptionPublic(status="pending", plan_id=plan.id)
        checkout = await self._payments.create_checkout(
            tenant_id=auth.tenant_id,
            plan_id=plan.id,
            price_id=price,
            customer=account.stripe_customer_id if account else None,
        )
        return SubscriptionPublic(
            status="checkout_required",
            plan_id=plan.id,
            checkout_url=checkout.url,
            checkout_session_id=checkout.id,
        )

    async def status(self, *, session: AsyncSession, auth: AuthContext) -> BillingPublic:
        """The tenant's billing state (every member may read it)."""
        tenant = await self._tenants.current(session=session, auth=auth)
        account = await billing_repository.get_account(session, tenant_id=auth.tenant_id)
        return BillingPublic(
            plan_id=tenant.plan_id,
            billing_enabled=self._payments is not None,
            subscription_status=account.subscription_status if account else None,
            paid_plan_id=account.paid_plan_id if account else None,
            grace_until=account.grace_until if account else None,
        )

    async def _cancelled(self, *, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        """Record that the tenant's subscription (if any) was cancelled at Stripe."""
        account = await billing_repository.lock_account(session, tenant_id=tenant_id)
        if account is None or not account.stripe_subscription_id:
            return
        account.subscription_status = SubscriptionStatus.canceled.value
        account.paid_plan_id = None
        account.grace_until = None
        await session.flush()

    # Stripe's events

    async def receive(self, *, payload: bytes, signature: str | None) -> WebhookReceipt:
        """A webhook delivery: verified with the SDK, acted on once per event id, in one
        transaction with the record that it was."""
        if self._payments is None:
            raise BillingNotConfigured("Stripe is not configured on this installation")
        event = self._payments.verify(payload, signature)
        event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
        if not event_id or not event_type:
            raise BadRequest("The Stripe event has no id or type")
        async with self._db.transaction() as session:
            if not await billing_repository.claim_event(
                session, event_id=event_id[:255], event_type=event_type[:255]
            ):
                return WebhookReceipt(received=True, duplicate=True)
            obj = event.get("data", {}).get("object", {})
            handler = _HANDLERS.get(event_type)
            if handler is not None and isinstance(obj, dict):
                await handler(self, session, obj)
        return WebhookReceipt(received=True, duplicate=False)

    async def _tenant_of(
        self, session: AsyncSession, obj: dict[str, Any]
    ) -> tuple[uuid.UUID, BillingAccount] | None:
        """The tenant an event is about, from the metadata Atrium gave the checkout session
        and its subscription; the transaction is scoped to it and its account locked."""
        metadata = _metadata(obj)
        try:
            tenant_id = uuid.UUID(str(metadata.get("tenant_id") or obj.get("client_reference_id")))
        except ValueError:
            _log.warning("stripe_event_without_tenant", object_id=obj.get("id"))
            return None
        await set_tenant(session, tenant_id)
        try:
            await self._tenants.get_for_worker(session=session, tenant_id=tenant_id)
        except AtriumError:
            _log.warning("stripe_event_for_unknown_tenant", tenant_id=str(tenant_id))
            return None
        account = await billing_repository.lock_or_create_account(session, tenant_id=tenant_id)
        return tenant_id, account

    async def _plan_of(self, session: AsyncSession, obj: dict[str, Any]) -> str | None:
        """The paid plan an object subscribes to: its price's plan, else its metadata's."""
        plan_id: str | None = None
        if self._payments is not None:
            for item in (obj.get("items") or {}).get("data") or []:
                price = (item.get("price") or {}).get("id")
                if price and self._payments.plan_for_price(price):
                    plan_id = self._payments.plan_for_price(price)
                    break
        plan_id = plan_id or _metadata(obj).get("plan_id")
        if not plan_id:
            return None
        try:
            plan = await self._tenants.get_plan(session=session, plan_id=str(plan_id))
        except AtriumError:
            return None
        return plan.id

    async def _on_checkout_completed(self, session: AsyncSession, obj: dict[str, Any]) -> None:
        if obj.get("mode") != "subscription" or obj.get("payment_status") not in (
            "paid",
            "no_payment_required",
        ):
            return
        found = await self._tenant_of(session, obj)
        plan_id = await self._plan_of(session, obj)
        if found is None or plan_id is None:
            return
        tenant_id, account = found
        account.stripe_customer_id = _id(obj.get("customer")) or account.stripe_customer_id
        account.stripe_subscription_id = _id(obj.get("subscription"))
        account.subscription_status = SubscriptionStatus.active.value
        account.paid_plan_id = plan_id
        account.grace_until = None
        await session.flush()
        await self._tenants.change_plan(
            session=session, tenant_id=tenant_id, plan_id=plan_id, reason="stripe.checkout"
        )

    async def _on_subscription_updated(self, session: AsyncSession, obj: dict[str, Any]) -> None:
        found = await self._tenant_of(session, obj)
        if found is None:
            return
        tenant_id, account = found
        if not _current(account, _id(obj.get("id"))):
            return
        account.stripe_subscription_id = _id(obj.get("id"))
        account.stripe_customer_id = _id(obj.get("customer")) or account.stripe_customer_id
        status = str(obj.get("status", ""))[:64]
        account.subscription_status = status
        if status in _PAYING:
            plan_id = await self._plan_of(session, obj)
            if plan_id is None:
                return
            account.paid_plan_id = plan_id
            account.grace_until = None
            await session.flush()
            await self._tenants.change_plan(
                session=session, tenant_id=tenant_id, plan_id=plan_id, reason="stripe.subscription"
            )
        elif status == SubscriptionStatus.past_due:
            await self._start_grace(session, tenant_id, account)
        elif status in _ENDED:
            await self._end_paid_plan(session, tenant_id, account, reason="stripe.subscription")
        await session.flush()

    async def _on_subscription_deleted(self, session: AsyncSession, obj: dict[str, Any]) -> None:
        found = await self._tenant_of(session, obj)
        if found is None:
            return
        tenant_id, account = found
        if not _current(account, _id(obj.get("id"))):
            return
        account.subscription_status = SubscriptionStatus.canceled.value
        await self._end_paid_plan(session, tenant_id, account, reason="stripe.subscription_deleted")

    async def _on_payment_failed(self, session: AsyncSession, obj: dict[str, Any]) -> None:
        found = await self._tenant_of(session, obj)
        if found is None:
            return
        tenant_id, account = found
        if not _current(account, _invoice_subscription(obj)):
            return
        account.subscription_status = SubscriptionStatus.past_due.value
        await self._start_grace(session, tenant_id, account)

    async def _start_grace(
        self, session: AsyncSession, tenant_id: uuid.UUID, account: BillingAccount
    ) -> None:
        """The tenant keeps its plan until the deadline; paying in time clears it."""
        if account.grace_until is None:
            account.grace_until = utcnow() + self._grace
            _log.info("billing_grace_started", tenant_id=str(tenant_id))
        await session.flush()
        if account.grace_until <= utcnow():
            await self._end_paid_plan(session, tenant_id, account, reason="grace_expired")

    async def _end_paid_plan(
        self, session: AsyncSession, tenant_id: uuid.UUID, account: BillingAccount, *, reason: str
    ) -> None:
        account.paid_plan_id = None
        account.grace_until = None
        await session.flush()
        await self._tenants.change_plan(
            session=session, tenant_id=tenant_id, plan_id=DEFAULT_PLAN, reason=reason
        )

    # the end of grace periods

    async def expire_grace(self, *, now: dt.datetime | None = None) -> int:
        """Move every tenant whose grace period ended to the free plan; how many moved."""
        now = now or utcnow()
        async with self._db.transaction() as session:
            await set_platform_admin(session)
            lapsed = await billing_repository.lapsed_tenants(session, now=now)
        moved = 0
        for tenant_id in lapsed:
            async with self._db.transaction(tenant_id=tenant_id) as session:
                account = await billing_repository.lock_account(session, tenant_id=tenant_id)
                # paid, or already moved, since the list was read
                if account is None or account.grace_until is None or account.grace_until > now:
                    continue
                await self._end_paid_plan(session, tenant_id, account, reason="grace_expired")
                moved += 1
        return moved

    def start(self) -> None:
        """Sweep for ended grace periods periodically (only with Stripe configured)."""
        if self._payments is not None:
            self._task = asyncio.get_running_loop().create_task(self._sweep(), name="billing")

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            try:
                await self.expire_grace()
            except Exception:  # keep sweeping; the next round retries
                _log.exception("billing_sweep_failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _current(account: BillingAccount, subscription_id: str | None) -> bool:
    """Whether an event about `subscription_id` may change the tenant's plan: not when it is
    about another subscription than the tenant's (an earlier one, replaced since), nor when
    the tenant's was cancelled (Stripe never revives one; a late redelivery must not
    either)."""
    if account.stripe_subscription_id is None:
        return True
    return (
        subscription_id in (None, account.stripe_subscription_id)
        and account.subscription_status != SubscriptionStatus.canceled
    )


def _id(value: Any) -> str | None:
    """An object reference as Stripe sends it: an id, or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value)[:255] if value else None


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """Atrium's metadata on a Checkout session or subscription, or on the subscription an
    invoice bills (`parent.subscription_details` since API 2025-03-31, before it
    `subscription_details`)."""
    for found in (
        obj.get("metadata"),
        ((obj.get("parent") or {}).get("subscription_details") or {}).get("metadata"),
        (obj.get("subscription_details") or {}).get("metadata"),
    ):
        if isinstance(found, dict) and found.get("tenant_id"):
            return found
    return {}


def _invoice_subscription(obj: dict[str, Any]) -> str | None:
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription") or obj.get("subscription"))


_HANDLERS = {
    "checkout.session.completed": BillingService._on_checkout_completed,
    "customer.subscription.updated": BillingService._on_subscription_updated,
    "customer.subscription.deleted": BillingService._on_subscription_deleted,
    "invoice.payment_failed": BillingService._on_payment_failed,
}
