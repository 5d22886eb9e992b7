"""Plans are a platform administrator's: they list, create and edit plans and their limits
(validated as `PlanLimits`), and move tenants between plans without payment. An edit
reaches the plan cache of the process that made it at once and every other process within
seconds."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.inprocess import Accounts, Principal, assert_error
from tests.support import AtriumProcess

CALL = {"model": "scripted/fast", "messages": [{"role": "user", "content": "hi"}]}


def new_plan(**limits: Any) -> dict[str, Any]:
    return {
        "id": f"t{uuid.uuid4().hex[:12]}",
        "name": "Test plan",
        "position": 50,
        "monthly_price_cents": 0,
        "limits": {"allowed_models": ["scripted/*"], "features": ["chat", "gateway"], **limits},
    }


async def test_platform_admin_creates_lists_and_edits_a_plan(accounts: Accounts) -> None:
    admin = await accounts.platform_admin()
    body = new_plan(requests_per_minute=7, max_members=2)
    r = await admin.http.post("/admin/plans", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["limits"]["requests_per_minute"] == 7
    assert created["limits"]["features"] == ["chat", "gateway"]
    listed = (await admin.http.get("/admin/plans")).json()
    assert body["id"] in [p["id"] for p in listed]
    r = await admin.http.patch(
        f"/admin/plans/{body['id']}",
        json={"name": "Renamed", "limits": {"requests_per_minute": 9}},
    )
    assert r.status_code == 200, r.text
    # `limits` replaces the plan's limits as a whole
    assert (r.json()["name"], r.json()["limits"]) == (
        "Renamed",
        {
            "requests_per_minute": 9,
            "allowed_models": ["*"],
            "features": sorted(
                ["chat", "gateway", "tools", "mcp", "byok", "knowledge", "audit_export"]
            ),
        },
    )
    r = await admin.http.post("/admin/plans", json=body)
    assert_error(r, 409, "conflict", "id")
    r = await admin.http.patch("/admin/plans/nosuchplan", json={"name": "x"})
    assert_error(r, 404, "not_found")


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"requests_per_minute": 0}, "body.limits.requests_per_minute"),
        ({"request_per_minute": 10}, "body.limits.request_per_minute"),
        ({"features": ["teleport"]}, "body.limits.features.0"),
        ({"allowed_models": ["local/\u0000"]}, "body.limits.allowed_models"),
    ],
)
async def test_plan_limits_are_validated_naming_the_field(
    accounts: Accounts, limits: dict[str, Any], field: str
) -> None:
    admin = await accounts.platform_admin()
    body = new_plan()
    body["limits"] = limits
    r = await admin.http.post("/admin/plans", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"].startswith(field), r.text
    r = await admin.http.get("/admin/plans")
    assert body["id"] not in [p["id"] for p in r.json()]


async def test_tenants_cannot_touch_plans(accounts: Accounts, owner: Principal) -> None:
    body = new_plan()
    assert_error(await owner.http.post("/admin/plans", json=body), 403, "forbidden")
    r = await owner.http.patch("/admin/plans/basic", json={"name": "Mine"})
    assert_error(r, 403, "forbidden")
    assert_error(await owner.http.get("/admin/plans"), 403, "forbidden")
    plans = (await owner.http.get("/tenants/plans")).json()
    assert [p["name"] for p in plans if p["id"] == "basic"] == ["Basic"]


async def test_platform_admin_moves_a_tenant_between_plans(
    accounts: Accounts, owner: Principal
) -> None:
    admin = await accounts.platform_admin()
    r = await admin.http.patch(f"/admin/tenants/{owner.tenant_id}", json={"plan_id": "gold"})
    assert r.status_code == 200 and r.json()["plan_id"] == "gold", r.text
    assert (await owner.http.get("/tenants/plan")).json()["id"] == "gold"
    r = await admin.http.patch(f"/admin/tenants/{owner.tenant_id}", json={"plan_id": "nope"})
    assert_error(r, 404, "not_found", "plan_id")
    assert (await owner.http.get("/tenants/plan")).json()["id"] == "gold"


async def test_an_owner_cannot_buy_a_paid_plan_without_stripe(
    accounts: Accounts, owner: Principal
) -> None:
    """Issue 9, finding 3: any owner moved their tenant to Gold without paying."""
    r = await owner.http.post("/tenants/subscribe", json={"plan_id": "gold"})
    assert_error(r, 409, "billing_not_configured", "plan_id")
    assert (await owner.http.get("/tenants/plan")).json()["id"] == "basic"


async def _gateway_status(key: httpx.AsyncClient) -> int:
    return (await key.post("/v1/chat/completions", json=CALL)).status_code


async def test_a_plan_edit_applies_at_once_here_and_within_seconds_elsewhere(
    accounts: Accounts, owner: Principal, server: AtriumProcess
) -> None:
    admin = await accounts.platform_admin()
    body = new_plan()
    assert (await admin.http.post("/admin/plans", json=body)).status_code == 201
    await accounts.set_plan(owner, body["id"])
    secret = await accounts.api_key(owner)
    here = accounts.client(secret, header="x-api-key")
    async with httpx.AsyncClient(base_url=server.url, headers={"x-api-key": secret}) as there:
        assert await _gateway_status(here) == 200
        assert await _gateway_status(there) == 200  # the live server cached the plan too
        r = await admin.http.patch(
            f"/admin/plans/{body['id']}", json={"limits": {"allowed_models": ["local/*"]}}
        )
        assert r.status_code == 200, r.text
        # this process: dropped once the edit committed
        for _ in range(50):
            if await _gateway_status(here) == 403:
                break
            await asyncio.sleep(0.02)
        assert await _gateway_status(here) == 403
        # another process: its copy expires within 5 seconds
        started = time.monotonic()
        while await _gateway_status(there) != 403:
            assert time.monotonic() - started < 8, "the other process kept the old limits"
            await asyncio.sleep(0.2)
