"""Tenant provider keys (BYOK), the outbound address guard, usage metering, and the secrets
canary: a provider key never appears in a response, a log line or a metric."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx
import openai
import psycopg
import pytest

from tests.conftest import PLATFORM_KEYS
from tests.providers.fakes import FakeProvider, Reply
from tests.support import Api, AtriumProcess, api_key, gold, register

TENANT_KEY = "sk-tenant-canary-9a8b7c6d5e4f3a2b1c0d"


@pytest.fixture(autouse=True)
def _clean(fakes: dict[str, FakeProvider]) -> None:
    for fake in fakes.values():
        fake.reset()


def test_byok_key_lifecycle_and_use(
    base_url: str,
    fakes: dict[str, FakeProvider],
    platform_admin: Api,
    db: psycopg.Connection[Any],
    server: AtriumProcess,
) -> None:
    owner = gold(register(base_url))
    fake = fakes["openai"]
    body = {"provider": "openai", "api_key": TENANT_KEY, "base_url": fake.base_url}
    # loopback base URL refused until a platform admin allows private addresses
    refused = owner.api.post("/provider-keys", json=body)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "blocked_address"
    assert (
        platform_admin.patch(
            f"/admin/tenants/{owner.tenant_id}", json={"allow_private_provider_urls": True}
        ).status_code
        == 200
    )
    created = owner.api.post("/provider-keys", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["key_hint"] == TENANT_KEY[-4:]
    assert TENANT_KEY not in created.text
    listed = owner.api.get("/provider-keys")
    assert [k["provider"] for k in listed.json()] == ["openai"]
    assert TENANT_KEY not in listed.text
    assert owner.api.post("/provider-keys", json=body).status_code == 409

    stored = db.execute(
        "SELECT ciphertext FROM provider_keys WHERE tenant_id = %s", (owner.tenant_id,)
    ).fetchone()
    assert stored is not None
    assert TENANT_KEY.encode() not in bytes(stored[0])

    # calls to OpenAI now carry the tenant's key, not the platform's
    fake.push(Reply("paid by the tenant"))
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(owner), max_retries=0) as c:
        result = c.chat.completions.create(
            model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
    assert result.choices[0].message.content == "paid by the tenant"
    assert fake.requests[-1].headers["authorization"] == f"Bearer {TENANT_KEY}"

    # another tenant still uses the platform key
    other = gold(register(base_url))
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(other), max_retries=0) as c:
        c.chat.completions.create(
            model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
    assert fake.requests[-1].headers["authorization"] == f"Bearer {PLATFORM_KEYS['openai']}"

    key_id = listed.json()[0]["id"]
    assert other.api.delete(f"/provider-keys/{key_id}").status_code == 404
    assert owner.api.delete(f"/provider-keys/{key_id}").status_code == 204
    assert owner.api.get("/provider-keys").json() == []


def test_upstream_auth_error_never_echoes_the_key(
    base_url: str, fakes: dict[str, FakeProvider], platform_admin: Api, server: AtriumProcess
) -> None:
    owner = gold(register(base_url))
    platform_admin.patch(
        f"/admin/tenants/{owner.tenant_id}", json={"allow_private_provider_urls": True}
    )
    owner.api.post(
        "/provider-keys",
        json={
            "provider": "anthropic",
            "api_key": TENANT_KEY,
            "base_url": fakes["anthropic"].base_url,
        },
    )
    from tests.providers.fakes import Fail

    fakes["anthropic"].push(Fail(401, message=f"invalid x-api-key: {TENANT_KEY}"))
    r = httpx.post(
        f"{base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {api_key(owner)}"},
        json={
            "model": "anthropic/claude-haiku-4-5",
            "messages": [{"role": "user", "content": "x"}],
        },
        # the first Anthropic call loads its SDK: seconds on a busy 2-core machine
        timeout=30,
    )
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "upstream_auth_error"
    assert TENANT_KEY not in r.text


def test_secrets_never_leave_the_server(base_url: str, server: AtriumProcess) -> None:
    time.sleep(0.3)
    metrics = httpx.get(f"{base_url}/metrics").text
    log = server.log()
    for secret in (TENANT_KEY, *PLATFORM_KEYS.values()):
        assert secret not in metrics
        assert secret not in log


def test_usage_is_metered_and_summed(
    base_url: str, fakes: dict[str, FakeProvider], db: psycopg.Connection[Any]
) -> None:
    owner = gold(register(base_url))
    key_a, key_b = api_key(owner), api_key(owner)
    fakes["openai"].push(Reply("one two three", input_tokens=1000, output_tokens=2000))
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=key_a, max_retries=0) as c:
        c.chat.completions.create(
            model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
        list(
            c.chat.completions.create(
                model="scripted/fast", stream=True, messages=[{"role": "user", "content": "x"}]
            )
        )
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=key_b, max_retries=0) as c:
        c.chat.completions.create(
            model="scripted/fast", messages=[{"role": "user", "content": "x"}]
        )
    deadline = time.monotonic() + 5
    rows: list[Any] = []
    while time.monotonic() < deadline:
        rows = db.execute(
            "SELECT model, api_key_id IS NOT NULL, input_tokens, output_tokens, cost_usd, "
            "latency_ms, ttft_ms, status FROM usage_records WHERE tenant_id = %s ORDER BY id",
            (owner.tenant_id,),
        ).fetchall()
        if len(rows) == 3:
            break
        time.sleep(0.1)
    assert len(rows) == 3
    first = rows[0]
    assert first[0] == "openai/gpt-4o-mini" and first[1] is True
    assert (first[2], first[3]) == (1000, 2000)
    # 1000 * 0.15 / 1e6 + 2000 * 0.60 / 1e6
    assert first[4] == Decimal("0.00135")
    assert rows[1][0] == "scripted/fast" and rows[1][6] is not None  # streamed: ttft recorded

    summary = owner.api.get("/tenants/current/usage", params={"group_by": "model"}).json()
    by_model = {r["model"]: r for r in summary["rows"]}
    assert by_model["openai/gpt-4o-mini"]["requests"] == 1
    assert by_model["scripted/fast"]["requests"] == 2
    assert Decimal(summary["totals"]["cost_usd"]) == Decimal("0.00135")
    by_key = owner.api.get("/tenants/current/usage", params={"group_by": "day,key"}).json()
    assert sorted(r["requests"] for r in by_key["rows"]) == [1, 2]
    assert all(r["day"] for r in by_key["rows"])
    bad = owner.api.get("/tenants/current/usage", params={"group_by": "planet"})
    assert bad.status_code == 400
    # another tenant sees none of it
    stranger = register(base_url)
    assert stranger.api.get("/tenants/current/usage").json()["totals"]["requests"] == 0
