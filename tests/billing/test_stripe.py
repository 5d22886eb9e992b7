"""Billing through Stripe, against a local stand-in that speaks Stripe's wire format: an
owner's subscribe creates a Checkout session and changes nothing yet; Stripe's signed
events move the plan, once per event id however often they are delivered; a bad signature
is a 400 that changes nothing; a failed payment starts a grace period, then Basic."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from atrium.db.urls import DatabaseUrls
from tests.billing import fake_stripe
from tests.billing.fake_stripe import FakeStripe
from tests.inprocess import Accounts, Principal, assert_error, settings_of, started
from tests.support import AtriumProcess, Mailbox


@pytest.fixture(scope="module")
def stripe_api() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
async def billing_app(
    server: AtriumProcess, database_urls: DatabaseUrls, stripe_api: FakeStripe
) -> AsyncIterator[FastAPI]:
    """Atrium in this process with Stripe configured (the session's app has none)."""
    from atrium.app import create_app

    settings = settings_of(
        server.env,
        workers_in_process=False,
        access_token_ttl_seconds=3600,
        stripe_secret_key=fake_stripe.SECRET_KEY,
        stripe_webhook_secret=fake_stripe.WEBHOOK_SECRET,
        stripe_prices=fake_stripe.PRICES,
        stripe_api_base=stripe_api.url,
        stripe_grace_days=3,
        stripe_sweep_seconds=0.2,
    )
    app = create_app(settings, database_urls)
    async with started(app):
        yield app


@pytest.fixture(scope="module")
async def paying(billing_app: FastAPI, mailbox: Mailbox) -> AsyncIterator[Accounts]:
    made = Accounts(billing_app, mailbox)
    yield made
    await made.aclose()


@pytest.fixture
async def customer(paying: Accounts) -> Principal:
    return await paying.tenant()


async def plan_of(who: Principal) -> str:
    r = await who.http.get("/tenants/plan")
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def deliver(accounts: Accounts, payload: str, signature: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    sig = fake_stripe.signature(payload) if signature is None else signature
    if sig:
        headers["stripe-signature"] = sig
    return await accounts.client().post("/billing/webhook", content=payload, headers=headers)


def ids() -> tuple[str, str]:
    return f"cus_{uuid.uuid4().hex[:14]}", f"sub_{uuid.uuid4().hex[:14]}"


def plan_changes(db: psycopg.Connection[Any], tenant_id: str) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT details FROM audit_log WHERE tenant_id = %s AND action = 'tenant.plan_changed'"
        " ORDER BY created_at",
        (tenant_id,),
    ).fetchall()
    return [r[0] for r in rows]


async def paid(accounts: Accounts, who: Principal, plan_id: str = "premium") -> tuple[str, str]:
    customer, sub = ids()
    payload = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.completed_checkout(who.tenant_id, plan_id, customer=customer, subscription=sub),
    )
    r = await deliver(accounts, payload)
    assert r.status_code == 200, r.text
    return customer, sub


async def test_subscribe_creates_a_checkout_session_and_changes_nothing_yet(
    paying: Accounts, customer: Principal, stripe_api: FakeStripe
) -> None:
    before = len(stripe_api.checkouts())
    r = await customer.http.post("/tenants/subscribe", json={"plan_id": "gold"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "checkout_required" and body["plan_id"] == "gold"
    assert body["checkout_url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    [sent] = stripe_api.checkouts()[before:]
    assert sent.headers["authorization"] == f"Bearer {fake_stripe.SECRET_KEY}"
    assert sent.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert sent.form["mode"] == "subscription"
    assert sent.form["line_items[0][price]"] == fake_stripe.PRICES["gold"]
    assert sent.form["line_items[0][quantity]"] == "1"
    assert sent.form["client_reference_id"] == customer.tenant_id
    assert sent.form["metadata[tenant_id]"] == customer.tenant_id
    assert sent.form["subscription_data[metadata][plan_id]"] == "gold"
    assert "{CHECKOUT_SESSION_ID}" in sent.form["success_url"]
    assert await plan_of(customer) == "basic"


async def test_a_stripe_error_is_a_502_and_changes_nothing(
    customer: Principal, stripe_api: FakeStripe
) -> None:
    stripe_api.fail_next = 1
    r = await customer.http.post("/tenants/subscribe", json={"plan_id": "premium"})
    assert_error(r, 502, "payment_provider_error")
    assert await plan_of(customer) == "basic"


async def test_only_owners_subscribe(paying: Accounts, customer: Principal) -> None:
    admin = await paying.join(customer, role="admin")
    r = await admin.http.post("/tenants/subscribe", json={"plan_id": "premium"})
    assert_error(r, 403, "forbidden")


async def test_a_valid_event_delivered_three_times_changes_the_plan_once(
    paying: Accounts, customer: Principal, db: psycopg.Connection[Any]
) -> None:
    customer_id, sub = ids()
    payload = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.completed_checkout(
            customer.tenant_id, "premium", customer=customer_id, subscription=sub
        ),
    )
    answers = [await deliver(paying, payload) for _ in range(3)]
    assert [(r.status_code, r.json()["duplicate"]) for r in answers] == [
        (200, False),
        (200, True),
        (200, True),
    ]
    assert await plan_of(customer) == "premium"
    assert plan_changes(db, customer.tenant_id) == [
        {"from": "basic", "to": "premium", "reason": "stripe.checkout"}
    ]


async def test_concurrent_redeliveries_change_the_plan_once(
    paying: Accounts, customer: Principal, db: psycopg.Connection[Any]
) -> None:
    customer_id, sub = ids()
    payload = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.completed_checkout(
            customer.tenant_id, "gold", customer=customer_id, subscription=sub
        ),
    )
    answers = await asyncio.gather(*(deliver(paying, payload) for _ in range(3)))
    assert sorted(r.json()["duplicate"] for r in answers) == [False, True, True]
    assert len(plan_changes(db, customer.tenant_id)) == 1


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("", id="missing"),
        pytest.param("t=1,v1=deadbeef", id="garbage"),
        pytest.param("other secret", id="other-secret"),
        pytest.param("stale", id="stale"),
    ],
)
async def test_a_bad_signature_is_400_and_changes_nothing(
    paying: Accounts, customer: Principal, db: psycopg.Connection[Any], signature: str
) -> None:
    customer_id, sub = ids()
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.completed_checkout(
            customer.tenant_id, "gold", customer=customer_id, subscription=sub
        ),
        event_id=event_id,
    )
    if signature == "other secret":
        signature = fake_stripe.signature(payload, secret="whsec_someone_else")
    elif signature == "stale":  # a replay of a signature older than the SDK's tolerance
        signature = fake_stripe.signature(payload, timestamp=int(time.time()) - 3600)
    r = await deliver(paying, payload, signature)
    assert_error(r, 400, "bad_request")
    assert await plan_of(customer) == "basic"
    assert plan_changes(db, customer.tenant_id) == []
    # nothing was recorded either: the genuine delivery is still acted on
    assert db.execute("SELECT 1 FROM stripe_events WHERE id = %s", (event_id,)).fetchone() is None


async def test_a_tampered_body_is_refused(paying: Accounts, customer: Principal) -> None:
    customer_id, sub = ids()
    payload = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.completed_checkout(
            customer.tenant_id, "premium", customer=customer_id, subscription=sub
        ),
    )
    signature = fake_stripe.signature(payload)
    r = await deliver(paying, payload.replace('"premium"', '"gold"'), signature)
    assert_error(r, 400, "bad_request")
    assert await plan_of(customer) == "basic"


async def test_subscription_updates_move_the_plan(paying: Accounts, customer: Principal) -> None:
    customer_id, sub = await paid(paying, customer, "premium")
    assert await plan_of(customer) == "premium"
    upgraded = fake_stripe.subscription(
        customer.tenant_id, "gold", sub_id=sub, customer=customer_id, status="active"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.updated", upgraded))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "gold"
    # an event about a subscription the tenant no longer has changes nothing
    stray = fake_stripe.subscription(
        customer.tenant_id, "premium", sub_id="sub_old", customer=customer_id, status="canceled"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.updated", stray))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "gold"
    ended = fake_stripe.subscription(
        customer.tenant_id, "gold", sub_id=sub, customer=customer_id, status="canceled"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.deleted", ended))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "basic"


async def test_a_paying_tenant_changes_plan_through_its_subscription(
    paying: Accounts, customer: Principal, stripe_api: FakeStripe
) -> None:
    customer_id, sub = await paid(paying, customer, "premium")
    checkouts = len(stripe_api.checkouts())
    r = await customer.http.post("/tenants/subscribe", json={"plan_id": "gold"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["checkout_url"] is None
    assert len(stripe_api.checkouts()) == checkouts  # no second subscription
    [read, update] = [r for r in stripe_api.requests if r.path == f"/v1/subscriptions/{sub}"]
    assert (read.method, update.method) == ("GET", "POST")
    assert update.form["items[0][id]"] == f"si_{sub.removeprefix('sub_')}"
    assert update.form["items[0][price]"] == fake_stripe.PRICES["gold"]
    assert update.form["metadata[plan_id]"] == "gold"
    assert await plan_of(customer) == "premium"  # until Stripe confirms
    confirmed = fake_stripe.subscription(
        customer.tenant_id, "gold", sub_id=sub, customer=customer_id, status="active"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.updated", confirmed))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "gold"


async def test_an_unpaid_subscription_returns_to_basic(
    paying: Accounts, customer: Principal
) -> None:
    customer_id, sub = await paid(paying, customer, "gold")
    unpaid = fake_stripe.subscription(
        customer.tenant_id, "gold", sub_id=sub, customer=customer_id, status="unpaid"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.updated", unpaid))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "basic"


async def test_a_failed_payment_keeps_the_plan_for_the_grace_period_then_basic(
    paying: Accounts, billing_app: FastAPI, customer: Principal, db: psycopg.Connection[Any]
) -> None:
    customer_id, sub = await paid(paying, customer, "premium")
    invoice = fake_stripe.failed_invoice(
        customer.tenant_id, "premium", sub_id=sub, customer=customer_id
    )
    r = await deliver(paying, fake_stripe.event("invoice.payment_failed", invoice))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "premium"
    [(deadline,)] = db.execute(
        "SELECT grace_until FROM billing_accounts WHERE tenant_id = %s", (customer.tenant_id,)
    ).fetchall()
    remaining = deadline - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=2, hours=23) < remaining <= dt.timedelta(days=3)
    state = (await customer.http.get("/tenants/current/billing")).json()
    assert state == {
        "plan_id": "premium",
        "billing_enabled": True,
        "subscription_status": "past_due",
        "paid_plan_id": "premium",
        "grace_until": state["grace_until"],
    }
    assert dt.datetime.fromisoformat(state["grace_until"]) == deadline
    billing = billing_app.state.runtime.billing_service
    # a second failure does not push the deadline further
    again = fake_stripe.failed_invoice(
        customer.tenant_id, "premium", sub_id=sub, customer=customer_id
    )
    assert (await deliver(paying, fake_stripe.event("invoice.payment_failed", again))).is_success
    assert db.execute(
        "SELECT grace_until FROM billing_accounts WHERE tenant_id = %s", (customer.tenant_id,)
    ).fetchone() == (deadline,)
    # the sweep leaves it alone before the deadline and moves it after
    await billing.expire_grace(now=deadline - dt.timedelta(seconds=1))
    assert await plan_of(customer) == "premium"
    assert await billing.expire_grace(now=deadline + dt.timedelta(seconds=1)) >= 1
    assert await plan_of(customer) == "basic"
    assert plan_changes(db, customer.tenant_id)[-1] == {
        "from": "premium",
        "to": "basic",
        "reason": "grace_expired",
    }


async def test_the_periodic_sweep_ends_a_lapsed_grace_period(
    paying: Accounts, customer: Principal, db: psycopg.Connection[Any]
) -> None:
    customer_id, sub = await paid(paying, customer, "gold")
    invoice = fake_stripe.failed_invoice(
        customer.tenant_id, "gold", sub_id=sub, customer=customer_id
    )
    assert (await deliver(paying, fake_stripe.event("invoice.payment_failed", invoice))).is_success
    # as if the grace period had passed: the process's own sweep notices within its period
    db.execute(
        "UPDATE billing_accounts SET grace_until = now() - interval '1 second'"
        " WHERE tenant_id = %s",
        (customer.tenant_id,),
    )
    for _ in range(50):
        if await plan_of(customer) == "basic":
            break
        await asyncio.sleep(0.1)
    assert await plan_of(customer) == "basic"


async def test_paying_within_the_grace_period_keeps_the_plan(
    paying: Accounts, billing_app: FastAPI, customer: Principal
) -> None:
    customer_id, sub = await paid(paying, customer, "premium")
    invoice = fake_stripe.failed_invoice(
        customer.tenant_id, "premium", sub_id=sub, customer=customer_id
    )
    assert (await deliver(paying, fake_stripe.event("invoice.payment_failed", invoice))).is_success
    recovered = fake_stripe.subscription(
        customer.tenant_id, "premium", sub_id=sub, customer=customer_id, status="active"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.updated", recovered))
    assert r.status_code == 200, r.text
    billing = billing_app.state.runtime.billing_service
    await billing.expire_grace(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    assert await plan_of(customer) == "premium"


async def test_returning_to_the_free_plan_cancels_the_subscription(
    paying: Accounts, customer: Principal, stripe_api: FakeStripe
) -> None:
    customer_id, sub = await paid(paying, customer, "premium")
    r = await customer.http.post("/tenants/subscribe", json={"plan_id": "basic"})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    assert await plan_of(customer) == "basic"
    assert [r.method for r in stripe_api.requests if r.path == f"/v1/subscriptions/{sub}"] == [
        "DELETE"
    ]
    # a late redelivery of an earlier "active" update does not revive it
    stale = fake_stripe.subscription(
        customer.tenant_id, "premium", sub_id=sub, customer=customer_id, status="active"
    )
    r = await deliver(paying, fake_stripe.event("customer.subscription.updated", stale))
    assert r.status_code == 200, r.text
    assert await plan_of(customer) == "basic"


async def test_an_event_for_an_unknown_tenant_is_acknowledged_and_ignored(
    paying: Accounts,
) -> None:
    customer_id, sub = ids()
    payload = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.completed_checkout(
            str(uuid.uuid4()), "gold", customer=customer_id, subscription=sub
        ),
    )
    r = await deliver(paying, payload)
    assert r.status_code == 200 and r.json() == {"received": True, "duplicate": False}


async def test_without_stripe_billing_is_off(owner: Principal) -> None:
    r = await owner.http.get("/tenants/current/billing")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "plan_id": "basic",
        "billing_enabled": False,
        "subscription_status": None,
        "paid_plan_id": None,
        "grace_until": None,
    }


async def test_without_stripe_the_webhook_is_refused(app_client: httpx.AsyncClient) -> None:
    payload = fake_stripe.event("customer.subscription.deleted", {"id": "sub_x"})
    r = await app_client.post(
        "/billing/webhook",
        content=payload,
        headers={"stripe-signature": fake_stripe.signature(payload)},
    )
    assert_error(r, 409, "billing_not_configured")
