"""Prices and metric labels: the platform serves only models it can price, a tenant's own
key may reach any model (recorded at cost 0 and marked), and made-up model names never
become metric label values (issue 9, finding 6)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import psycopg
import pytest

from tests.budgets.ledger import put_on_plan
from tests.providers.fakes import FakeProvider, Reply
from tests.support import Account, Api, api_key, register

TENANT_KEY = "sk-tenant-budget-5f4e3d2c1b0a"


@pytest.fixture(autouse=True)
def _clean(fakes: dict[str, FakeProvider]) -> None:
    for fake in fakes.values():
        fake.reset()


def _chat(base_url: str, key: str, model: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": model, "messages": [{"role": "user", "content": "x"}]},
        timeout=30,
    )


def _byok(base_url: str, db: psycopg.Connection[Any], fake: FakeProvider, admin: Api) -> Account:
    owner = register(base_url)
    put_on_plan(db, owner.tenant_id)
    allowed = admin.patch(
        f"/admin/tenants/{owner.tenant_id}", json={"allow_private_provider_urls": True}
    )
    assert allowed.status_code == 200
    stored = owner.api.post(
        "/provider-keys",
        json={"provider": "openai", "api_key": TENANT_KEY, "base_url": fake.base_url},
    )
    assert stored.status_code == 201, stored.text
    return owner


def test_platform_key_refuses_an_unpriced_model(
    base_url: str, db: psycopg.Connection[Any], fakes: dict[str, FakeProvider]
) -> None:
    owner = register(base_url)
    put_on_plan(db, owner.tenant_id)
    r = _chat(base_url, api_key(owner), "openai/not-in-the-catalogue")
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "model_not_priced"
    assert "no price" in error["message"]
    assert fakes["openai"].requests == []


def test_byok_call_to_an_unpriced_model_is_served_at_cost_zero_and_marked(
    base_url: str,
    db: psycopg.Connection[Any],
    fakes: dict[str, FakeProvider],
    platform_admin: Api,
) -> None:
    fake = fakes["openai"]
    owner = _byok(base_url, db, fake, platform_admin)
    fake.push(Reply("from the tenant's own model"))
    r = _chat(base_url, api_key(owner), "openai/tenant-fine-tune-1")
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == "from the tenant's own model"
    assert fake.requests[-1].headers["authorization"] == f"Bearer {TENANT_KEY}"
    deadline = time.monotonic() + 10
    row = None
    while row is None and time.monotonic() < deadline:
        row = db.execute(
            "SELECT model, cost_usd, unpriced, input_tokens FROM usage_records "
            "WHERE tenant_id = %s",
            (owner.tenant_id,),
        ).fetchone()
        time.sleep(0.1)
    assert row is not None
    model, cost, unpriced, input_tokens = row
    assert (model, cost, unpriced) == ("openai/tenant-fine-tune-1", 0, True)
    assert input_tokens > 0


def _series(base_url: str) -> list[str]:
    text = httpx.get(f"{base_url}/metrics").text
    return [line for line in text.splitlines() if line.startswith("atrium_llm_")]


def test_made_up_model_names_add_no_metric_series(
    base_url: str,
    db: psycopg.Connection[Any],
    fakes: dict[str, FakeProvider],
    platform_admin: Api,
) -> None:
    fake = fakes["openai"]
    owner = _byok(base_url, db, fake, platform_admin)
    byok_key = api_key(owner)
    platform_caller = register(base_url)
    put_on_plan(db, platform_caller.tenant_id)
    platform_key = api_key(platform_caller)
    # One call of each kind first, so the fixed `unpriced` series exist before counting.
    assert _chat(base_url, byok_key, "openai/warm-up").status_code == 200
    assert _chat(base_url, platform_key, "openai/warm-up").status_code == 400
    before = _series(base_url)
    names = [f"openai/made-up-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    for name in names:
        assert _chat(base_url, byok_key, name).status_code == 200
        assert _chat(base_url, platform_key, name).status_code == 400
    after = _series(base_url)
    assert len(after) == len(before)
    assert not [line for line in after if "made-up" in line or "warm-up" in line]
    assert any('model="unpriced"' in line for line in after)
