"""Stripe, through its official SDK: Checkout sessions, cancellations and the verification
of webhook signatures. One `stripe.StripeClient` per process, built by the composition
root; no SDK global is set."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import stripe

from atrium.kit.errors import AtriumError, BadRequest
from atrium.kit.logging import get_logger
from atrium.settings import Settings

_log = get_logger("atrium.billing")


class PaymentProviderError(AtriumError):
    status_code = 502
    code = "payment_provider_error"


@dataclass(frozen=True, slots=True)
class Checkout:
    id: str
    url: str


class StripePayments:
    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        prices: dict[str, str],
        api_base: str | None,
        timeout_seconds: float,
        return_url: str,
    ) -> None:
        self._webhook_secret = webhook_secret
        self._prices = dict(prices)
        self._plans_by_price = {price: plan for plan, price in prices.items()}
        self._return_url = return_url
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            # Safe: the SDK sends an idempotency key with every POST it retries.
            max_network_retries=2,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> StripePayments | None:
        """Stripe when its secret key and webhook secret are set, else None (plans are then
        changed by platform administrators only)."""
        if settings.stripe_secret_key is None or settings.stripe_webhook_secret is None:
            return None
        return cls(
            secret_key=settings.stripe_secret_key.get_secret_value(),
            webhook_secret=settings.stripe_webhook_secret.get_secret_value(),
            prices=settings.stripe_prices,
            api_base=settings.stripe_api_base,
            timeout_seconds=settings.stripe_timeout_seconds,
            return_url=settings.base_url,
        )

    def price_for(self, plan_id: str) -> str | None:
        return self._prices.get(plan_id)

    def plan_for_price(self, price_id: str) -> str | None:
        return self._plans_by_price.get(price_id)

    async def create_checkout(
        self, *, tenant_id: uuid.UUID, plan_id: str, price_id: str, customer: str | None
    ) -> Checkout:
        """A hosted Checkout page that subscribes the tenant to the plan's price. The
        tenant and plan travel in the metadata of the session and of the subscription it
        creates, so every later event names them."""
        metadata = {"tenant_id": str(tenant_id), "plan_id": plan_id}
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": price_id, "quantity": 1}],
            "client_reference_id": str(tenant_id),
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            # Stripe fills in {CHECKOUT_SESSION_ID} itself.
            "success_url": (
                f"{self._return_url}/?billing=success&session_id={{CHECKOUT_SESSION_ID}}"
            ),
            "cancel_url": f"{self._return_url}/?billing=cancelled",
        }
        if customer:
            params["customer"] = customer
        try:
            session = await self._client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            _log.warning("stripe_checkout_failed", error_type=type(exc).__name__)
            raise PaymentProviderError("Stripe did not create the checkout session") from exc
        if not session.url:
            raise PaymentProviderError("Stripe returned a checkout session without a URL")
        return Checkout(id=session.id, url=session.url)

    async def change_price(
        self, *, subscription_id: str, tenant_id: uuid.UUID, plan_id: str, price_id: str
    ) -> None:
        """Switch an existing subscription to another plan's price (prorated), instead of a
        second subscription; Stripe then reports `customer.subscription.updated`."""
        try:
            subscription = await self._client.v1.subscriptions.retrieve_async(subscription_id)
            # `items` is a StripeObject key, not the dict method of the same name
            items = subscription["items"]["data"]
            if not items:
                raise PaymentProviderError("The Stripe subscription has no item to change")
            params: dict[str, Any] = {
                "items": [{"id": items[0]["id"], "price": price_id}],
                "proration_behavior": "create_prorations",
                "metadata": {"tenant_id": str(tenant_id), "plan_id": plan_id},
            }
            await self._client.v1.subscriptions.update_async(subscription_id, params)  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            _log.warning("stripe_change_failed", error_type=type(exc).__name__)
            raise PaymentProviderError("Stripe did not change the subscription") from exc

    async def cancel_subscription(self, subscription_id: str) -> None:
        try:
            await self._client.v1.subscriptions.cancel_async(subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:  # already gone at Stripe: nothing left to cancel
                raise PaymentProviderError("Stripe did not cancel the subscription") from exc
        except stripe.StripeError as exc:
            _log.warning("stripe_cancel_failed", error_type=type(exc).__name__)
            raise PaymentProviderError("Stripe did not cancel the subscription") from exc

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, if `signature` is Stripe's for this payload (and recent), else 400."""
        try:
            event = self._client.construct_event(payload, signature, self._webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise BadRequest(
                "The Stripe signature does not match", field="stripe-signature"
            ) from exc
        except ValueError as exc:  # not JSON, or not an event
            raise BadRequest("The body is not a Stripe event") from exc
        values: dict[str, Any] = event.to_dict()
        return values

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]
