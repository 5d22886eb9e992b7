"""A stand-in for Stripe's API on loopback (Stripe cannot be reached from the tests), speaking
its documented wire format: form-encoded POST /v1/checkout/sessions answered with a
Checkout Session object, DELETE /v1/subscriptions/{id} answered with the cancelled
Subscription, errors as `{"error": {"type", "message"}}`. And the other direction: event
deliveries, signed as Stripe signs them, with the SDK's own helper."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import stripe

SECRET_KEY = "sk_test_atrium_fake_0123456789"
WEBHOOK_SECRET = "whsec_atrium_fake_0123456789abcdef"
PRICES = {"premium": "price_premium_monthly", "gold": "price_gold_monthly"}


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeStripe:
    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer this many API calls with a Stripe error
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
                self.end_headers()
                self.wfile.write(data)

            def _receive(self) -> Received:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                received = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    dict(parse_qsl(raw, keep_blank_values=True)),
                )
                fake.requests.append(received)
                return received

            def _refuse_if_asked(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    self._answer(401, _error("invalid_request_error", "Invalid API Key"))
                    return True
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    self._answer(400, _error("invalid_request_error", "No such price"))
                    return True
                return False

            def do_POST(self) -> None:
                received = self._receive()
                if self._refuse_if_asked():
                    return
                if self.path.startswith("/v1/subscriptions/"):
                    sub_id = self.path.removeprefix("/v1/subscriptions/")
                    updated = stored_subscription(sub_id, received.form["items[0][price]"])
                    self._answer(200, updated)
                    return
                if self.path != "/v1/checkout/sessions":
                    self._answer(404, _error("invalid_request_error", "Unrecognized URL"))
                    return
                self._answer(200, checkout_session(received.form))

            def do_GET(self) -> None:
                self._receive()
                if self._refuse_if_asked():
                    return
                prefix = "/v1/subscriptions/"
                if not self.path.startswith(prefix):
                    self._answer(404, _error("invalid_request_error", "Unrecognized URL"))
                    return
                sub_id = self.path.removeprefix(prefix)
                self._answer(200, stored_subscription(sub_id, PRICES["premium"]))

            def do_DELETE(self) -> None:
                self._receive()
                if self._refuse_if_asked():
                    return
                prefix = "/v1/subscriptions/"
                if not self.path.startswith(prefix):
                    self._answer(404, _error("invalid_request_error", "Unrecognized URL"))
                    return
                sub_id = self.path.removeprefix(prefix)
                self._answer(200, {"id": sub_id, "object": "subscription", "status": "canceled"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def checkouts(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/v1/checkout/sessions"]


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def stored_subscription(sub_id: str, price: str) -> dict[str, Any]:
    """A Subscription object as Stripe returns it, with one item on `price`."""
    return {
        "id": sub_id,
        "object": "subscription",
        "status": "active",
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id.removeprefix('sub_')}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "quantity": 1,
                }
            ],
            "has_more": False,
        },
    }


def checkout_session(form: dict[str, str]) -> dict[str, Any]:
    """A Checkout Session object as Stripe returns it for `form` (the fields Atrium sends)."""
    session_id = f"cs_test_{uuid.uuid4().hex}"
    now = int(time.time())
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": form.get("mode"),
        "status": "open",
        "payment_status": "unpaid",
        "client_reference_id": form.get("client_reference_id"),
        "customer": form.get("customer"),
        "subscription": None,
        "metadata": {
            k.removeprefix("metadata[").removesuffix("]"): v
            for k, v in form.items()
            if k.startswith("metadata[")
        },
        "success_url": form.get("success_url"),
        "cancel_url": form.get("cancel_url"),
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        "livemode": False,
        "created": now,
        "expires_at": now + 86400,
    }


def event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> str:
    """A webhook body as Stripe delivers it (a snapshot event)."""
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
            "data": {"object": obj},
        }
    )


def signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header, computed by the SDK's own helper."""
    header: str = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp
    )
    return header


def completed_checkout(
    tenant_id: str, plan_id: str, *, customer: str, subscription: str
) -> dict[str, Any]:
    return {
        "id": f"cs_test_{uuid.uuid4().hex}",
        "object": "checkout.session",
        "mode": "subscription",
        "status": "complete",
        "payment_status": "paid",
        "client_reference_id": tenant_id,
        "customer": customer,
        "subscription": subscription,
        "metadata": {"tenant_id": tenant_id, "plan_id": plan_id},
    }


def subscription(
    tenant_id: str, plan_id: str, *, sub_id: str, customer: str, status: str
) -> dict[str, Any]:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "metadata": {"tenant_id": tenant_id, "plan_id": plan_id},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{uuid.uuid4().hex[:14]}",
                    "object": "subscription_item",
                    "price": {"id": PRICES[plan_id], "object": "price"},
                    "quantity": 1,
                }
            ],
        },
    }


def failed_invoice(tenant_id: str, plan_id: str, *, sub_id: str, customer: str) -> dict[str, Any]:
    """An invoice as API versions since 2025-03-31 shape it: the subscription and its
    metadata under `parent.subscription_details`."""
    return {
        "id": f"in_{uuid.uuid4().hex[:14]}",
        "object": "invoice",
        "customer": customer,
        "status": "open",
        "attempt_count": 1,
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": sub_id,
                "metadata": {"tenant_id": tenant_id, "plan_id": plan_id},
            },
        },
    }
