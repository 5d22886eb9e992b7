"""Plans enforced (issue 9, finding 4): requests and tokens per minute per tenant, narrowed
per API key and per member; the runs API counted against the same allowance, each run of a
batch counted; concurrent runs; features read. In process, on plans made for each test."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client import REGISTRY

from atrium.quotas.metrics import LimitName
from atrium.quotas.service import reset_text
from tests.inprocess import Accounts, assert_error
from tests.quotas.conftest import ROOMY, PlanMaker


async def run_bodies(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A run of a scripted assistant (cheap whenever a worker executes it), and the same
    run pending for a minute: counted as active, and no worker takes it meanwhile."""
    made = await client.post(
        "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
    )
    assert made.status_code == 200, made.text
    run = {
        "assistant_id": made.json()["assistant_id"],
        "input": {"messages": [{"role": "user", "content": "hi"}]},
    }
    return run, {**run, "after_seconds": 60}


def refusals(limit: str) -> float:
    value = REGISTRY.get_sample_value("atrium_rate_limit_refusals_total", {"limit": limit})
    return value or 0.0


def assert_openai_rate_limited(r: httpx.Response, words: str) -> None:
    assert r.status_code == 429, r.text
    error = r.json()["error"]
    assert error["type"] == "rate_limit_error", error
    assert words in error["message"], error
    assert int(r.headers["retry-after"]) >= 1


async def test_requests_per_minute_with_headers_then_429(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=3)
    gateway = accounts.client(await accounts.api_key(owner))
    before = refusals("requests_per_minute")
    for remaining in (2, 1, 0):
        r = await gateway.get("/v1/models")
        assert r.status_code == 200, r.text
        assert r.headers["x-ratelimit-limit-requests"] == "3"
        assert r.headers["x-ratelimit-remaining-requests"] == str(remaining)
        assert r.headers["x-ratelimit-reset-requests"].endswith("s")
        assert r.headers["x-ratelimit-limit-tokens"] == str(ROOMY["tokens_per_minute"])
    refused = await gateway.get("/v1/models")
    assert_openai_rate_limited(refused, "3 requests per minute")
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert refusals("requests_per_minute") == before + 1


async def test_runs_api_counts_against_the_gateways_allowance(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=3)
    key = await accounts.api_key(owner, role="admin")
    gateway, runs = accounts.client(key), accounts.client(key, header="x-api-key")
    RUN, LATER_RUN = await run_bodies(runs)
    assert (await gateway.get("/v1/models")).status_code == 200
    created = await runs.post("/runs", json=LATER_RUN)
    assert created.status_code == 200, created.text
    assert created.headers["x-ratelimit-remaining-requests"] == "1"
    thread = (await runs.post("/threads", json={})).json()["thread_id"]
    assert (await runs.post(f"/threads/{thread}/runs", json=LATER_RUN)).status_code == 200
    for path in ("/runs", f"/threads/{thread}/runs/wait", "/runs/stream", "/runs/wait"):
        refused = await runs.post(path, json=RUN)
        assert_error(refused, 429, "rate_limited")
        assert "3 requests per minute" in refused.json()["error"]["message"]
        assert refused.headers["x-ratelimit-limit-requests"] == "3"
    assert_openai_rate_limited(await gateway.get("/v1/models"), "3 requests per minute")


async def test_each_run_of_a_batch_counts(
    accounts: Accounts, on_plan: PlanMaker, db: psycopg.Connection[Any]
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=5)
    runs = accounts.client(await accounts.api_key(owner, role="admin"))
    _, LATER_RUN = await run_bodies(runs)
    refused = await runs.post("/runs/batch", json=[LATER_RUN] * 6)
    assert_error(refused, 429, "rate_limited")
    assert "5 requests per minute" in refused.json()["error"]["message"]
    count = db.execute("SELECT count(*) FROM runs WHERE tenant_id = %s", (owner.tenant_id,))
    assert count.fetchone() == (0,)  # refused whole: not one run of it started
    made = await runs.post("/runs/batch", json=[LATER_RUN] * 5)
    assert made.status_code == 200, made.text
    assert len(made.json()) == 5
    assert made.headers["x-ratelimit-remaining-requests"] == "0"
    assert_error(await runs.post("/runs", json=LATER_RUN), 429, "rate_limited")


async def test_tenants_have_separate_allowances(accounts: Accounts, on_plan: PlanMaker) -> None:
    first, second = await accounts.tenant(), await accounts.tenant()
    on_plan(first, requests_per_minute=1)
    on_plan(second, requests_per_minute=1)
    one = accounts.client(await accounts.api_key(first))
    two = accounts.client(await accounts.api_key(second))
    assert (await one.get("/v1/models")).status_code == 200
    assert (await one.get("/v1/models")).status_code == 429
    assert (await two.get("/v1/models")).status_code == 200


async def test_a_keys_limit_narrows_its_own_allowance_only(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=100)
    made = await owner.http.post("/api-keys", json={"name": "narrow", "role": "member"})
    narrow_id, narrow = made.json()["id"], made.json()["key"]
    r = await owner.http.put(f"/api-keys/{narrow_id}/limits", json={"requests_per_minute": 2})
    assert r.status_code == 200, r.text
    assert r.json()["requests_per_minute"] == 2
    assert r.json()["effective"]["requests_per_minute"] == 2
    assert r.json()["effective"]["tokens_per_minute"] == ROOMY["tokens_per_minute"]
    client = accounts.client(narrow)
    for remaining in (1, 0):
        ok = await client.get("/v1/models")
        assert ok.status_code == 200
        assert ok.headers["x-ratelimit-limit-requests"] == "2"
        assert ok.headers["x-ratelimit-remaining-requests"] == str(remaining)
    assert_openai_rate_limited(await client.get("/v1/models"), "This API key allows 2")
    other = accounts.client(await accounts.api_key(owner))
    assert (await other.get("/v1/models")).status_code == 200
    # cleared: the plan's limit applies again
    cleared = await owner.http.put(f"/api-keys/{narrow_id}/limits", json={})
    assert cleared.json()["requests_per_minute"] is None
    assert cleared.json()["effective"]["requests_per_minute"] == 100
    assert (await client.get("/v1/models")).status_code == 200


async def test_an_override_never_raises_the_plans_limit(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=2)
    made = await owner.http.post("/api-keys", json={"name": "greedy", "role": "member"})
    r = await owner.http.put(
        f"/api-keys/{made.json()['id']}/limits",
        json={"requests_per_minute": 1000, "tokens_per_minute": 10**9},
    )
    assert r.status_code == 200, r.text
    assert r.json()["effective"]["requests_per_minute"] == 2
    assert r.json()["effective"]["tokens_per_minute"] == ROOMY["tokens_per_minute"]
    client = accounts.client(made.json()["key"])
    assert (await client.get("/v1/models")).headers["x-ratelimit-limit-requests"] == "2"
    assert (await client.get("/v1/models")).status_code == 200
    assert_openai_rate_limited(await client.get("/v1/models"), "2 requests per minute")


async def test_a_members_limit_holds_for_their_session_and_keys(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=100)
    member = await accounts.join(owner)
    member_key = await accounts.api_key(member)
    _, LATER_RUN = await run_bodies(owner.http)
    r = await owner.http.put(
        f"/tenants/current/members/{member.user_id}/limits", json={"requests_per_minute": 2}
    )
    assert r.status_code == 200, r.text
    assert r.json()["effective"]["requests_per_minute"] == 2
    runs = accounts.client(member_key)
    assert (await runs.post("/runs", json=LATER_RUN)).status_code == 200
    assert (await member.http.post("/runs", json=LATER_RUN)).status_code == 200
    refused = await runs.post("/runs", json=LATER_RUN)
    assert_error(refused, 429, "rate_limited")
    assert "This member allows 2" in refused.json()["error"]["message"]
    assert (await owner.http.post("/runs", json=LATER_RUN)).status_code == 200


async def test_only_admins_set_limits_and_foreign_ids_are_404(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner)
    member = await accounts.join(owner)
    made = await member.http.post("/api-keys", json={"name": "mine", "role": "member"})
    key_id = made.json()["id"]
    body = {"requests_per_minute": 1000}
    # a member may not lift or set limits, not even on their own key or membership
    assert_error(await member.http.put(f"/api-keys/{key_id}/limits", json=body), 403, "forbidden")
    assert_error(
        await member.http.put(f"/tenants/current/members/{member.user_id}/limits", json=body),
        403,
        "forbidden",
    )
    stranger = await accounts.tenant()
    assert_error(await stranger.http.put(f"/api-keys/{key_id}/limits", json=body), 404, "not_found")
    assert_error(
        await stranger.http.put(f"/tenants/current/members/{member.user_id}/limits", json=body),
        404,
        "not_found",
    )
    assert_error(
        await owner.http.put(f"/api-keys/{key_id}/limits", json={"requests_per_minute": 0}),
        422,
        "validation_error",
        "body.requests_per_minute",
    )
    assert_error(
        await owner.http.put(f"/api-keys/{key_id}/limits", json={"burst": 3}),
        422,
        "validation_error",
    )
    assert (await owner.http.put(f"/api-keys/{key_id}/limits", json=body)).status_code == 200
    log = (await owner.http.get("/tenants/current/audit-log")).json()
    entries = log["items"] if isinstance(log, dict) else log
    changed = [e for e in entries if e["action"] == "api_key.limits_changed"]
    assert changed and changed[0]["target_id"] == key_id
    assert changed[0]["details"] == {"limits": body}


async def test_tokens_per_minute_refuse_once_spent(accounts: Accounts, on_plan: PlanMaker) -> None:
    owner = await accounts.tenant()
    on_plan(owner, tokens_per_minute=20)
    gateway = accounts.client(await accounts.api_key(owner))
    RUN, _ = await run_bodies(owner.http)
    body = {"model": "scripted/fast", "messages": [{"role": "user", "content": "hello " * 10}]}
    before = refusals("tokens_per_minute")
    first = await gateway.post("/v1/chat/completions", json=body)
    assert first.status_code == 200, first.text
    assert first.headers["x-ratelimit-limit-tokens"] == "20"
    assert first.headers["x-ratelimit-remaining-tokens"] == "20"
    used = first.json()["usage"]["total_tokens"]
    assert used >= 20  # this one call spends the minute's tokens
    refused = await gateway.post("/v1/chat/completions", json=body)
    assert_openai_rate_limited(refused, "20 tokens per minute")
    assert refused.headers["x-ratelimit-remaining-tokens"] == "0"
    assert refusals("tokens_per_minute") == before + 1
    # and the runs API, which spends tokens too
    assert_error(await gateway.post("/runs", json=RUN), 429, "rate_limited")


async def test_streamed_tokens_are_counted(accounts: Accounts, on_plan: PlanMaker) -> None:
    owner = await accounts.tenant()
    on_plan(owner, tokens_per_minute=10)
    gateway = accounts.client(await accounts.api_key(owner))
    body = {
        "model": "scripted/fast",
        "stream": True,
        "messages": [{"role": "user", "content": "hello " * 10}],
    }
    streamed = await gateway.post("/v1/chat/completions", json=body)
    assert streamed.status_code == 200, streamed.text
    assert streamed.text.rstrip().endswith("data: [DONE]")
    assert streamed.headers["x-ratelimit-remaining-requests"].isdigit()
    assert_openai_rate_limited(
        await gateway.post("/v1/chat/completions", json=body), "10 tokens per minute"
    )


async def test_concurrent_runs_are_refused_over_the_plan(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, concurrent_runs=2)
    runs = accounts.client(await accounts.api_key(owner, role="admin"))
    _, LATER_RUN = await run_bodies(runs)
    before = refusals("concurrent_runs")
    for _ in range(2):
        assert (await runs.post("/runs", json=LATER_RUN)).status_code == 200
    refused = await runs.post("/runs", json=LATER_RUN)
    assert_error(refused, 429, "rate_limited")
    assert "2 concurrent runs" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert refusals("concurrent_runs") == before + 1
    # a batch that does not fit is refused whole
    cancelled = await runs.post("/runs/cancel", json={"status": "all"})
    assert cancelled.status_code == 204, cancelled.text
    assert_error(await runs.post("/runs/batch", json=[LATER_RUN] * 3), 429, "rate_limited")
    made = await runs.post("/runs/batch", json=[LATER_RUN] * 2)
    assert made.status_code == 200, made.text


async def test_a_plan_without_the_gateway_refuses_v1(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, features=["chat", "knowledge"])
    r = await accounts.client(await accounts.api_key(owner)).get("/v1/models")
    assert r.status_code == 403, r.text
    assert r.json()["error"]["type"] == "permission_error"
    assert "gateway" in r.json()["error"]["message"]


async def test_a_plan_without_tools_cannot_give_an_assistant_tools(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, features=["chat", "gateway", "knowledge"])
    tools = {"tools": [{"name": "calculator"}]}
    refused = await owner.http.post("/assistants", json={"graph_id": "agent", "context": tools})
    assert_error(refused, 403, "forbidden", "tools")
    plain = await owner.http.post("/assistants", json={"graph_id": "agent"})
    assert plain.status_code == 200, plain.text
    changed = await owner.http.patch(
        f"/assistants/{plain.json()['assistant_id']}", json={"context": tools}
    )
    assert_error(changed, 403, "forbidden", "tools")


async def test_byok_needs_a_plan_with_it(accounts: Accounts, on_plan: PlanMaker) -> None:
    owner = await accounts.tenant()
    on_plan(owner, features=["chat", "gateway", "tools", "knowledge"])
    body = {"provider": "groq", "api_key": "gsk_a_tenant_secret_0001"}
    assert_error(await owner.http.post("/provider-keys", json=body), 403, "forbidden")
    on_plan(owner)
    assert (await owner.http.post("/provider-keys", json=body)).status_code == 201


async def test_basic_has_the_gateway_and_tools_but_not_byok(accounts: Accounts) -> None:
    owner = await accounts.tenant()
    plan = (await owner.http.get("/tenants/plan")).json()
    assert {"gateway", "tools"} <= set(plan["limits"]["features"])
    assert "byok" not in plan["limits"]["features"]
    r = await accounts.client(await accounts.api_key(owner)).get("/v1/models")
    assert r.status_code == 200, r.text
    body = {"provider": "groq", "api_key": "gsk_a_tenant_secret_0002"}
    assert_error(await owner.http.post("/provider-keys", json=body), 403, "forbidden")


def test_refusals_are_labelled_by_the_limits_name_only() -> None:
    labels = {
        sample.labels["limit"]
        for metric in REGISTRY.collect()
        if metric.name == "atrium_rate_limit_refusals"
        for sample in metric.samples
    }
    assert labels == {name.value for name in LimitName}


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (0.2, "1s"), (59.5, "1m0s"), (61, "1m1s"), (360, "6m0s")]
)
def test_reset_headers_read_as_openais(seconds: float, text: str) -> None:
    assert reset_text(seconds) == text


async def test_concurrent_calls_never_pass_the_limit(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, requests_per_minute=5)
    gateway = accounts.client(await accounts.api_key(owner))
    answers = await asyncio.gather(*(gateway.get("/v1/models") for _ in range(20)))
    assert sorted(r.status_code for r in answers) == [200] * 5 + [429] * 15


async def test_concurrent_run_creations_never_pass_the_plan(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner, concurrent_runs=3)
    runs = accounts.client(await accounts.api_key(owner, role="admin"))
    _, later_run = await run_bodies(runs)
    answers = await asyncio.gather(*(runs.post("/runs", json=later_run) for _ in range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 3 + [429] * 5


async def test_a_keys_tokens_per_minute_narrow_its_own_tokens(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner)
    made = await owner.http.post("/api-keys", json={"name": "frugal", "role": "member"})
    r = await owner.http.put(
        f"/api-keys/{made.json()['id']}/limits", json={"tokens_per_minute": 10}
    )
    assert r.json()["effective"]["tokens_per_minute"] == 10
    frugal = accounts.client(made.json()["key"])
    body = {"model": "scripted/fast", "messages": [{"role": "user", "content": "hello " * 10}]}
    first = await frugal.post("/v1/chat/completions", json=body)
    assert first.status_code == 200, first.text
    assert first.headers["x-ratelimit-limit-tokens"] == "10"
    assert_openai_rate_limited(
        await frugal.post("/v1/chat/completions", json=body), "This API key allows 10 tokens"
    )
    other = accounts.client(await accounts.api_key(owner))
    assert (await other.post("/v1/chat/completions", json=body)).status_code == 200


async def test_stored_provider_keys_are_unused_on_a_plan_without_byok(
    accounts: Accounts, on_plan: PlanMaker
) -> None:
    owner = await accounts.tenant()
    on_plan(owner)
    body = {"provider": "groq", "api_key": "gsk_a_tenant_secret_0003"}
    assert (await owner.http.post("/provider-keys", json=body)).status_code == 201

    async def providers() -> set[str]:
        # a new key each time: a credential's authentication is cached for a few seconds
        listed = await accounts.client(await accounts.api_key(owner)).get("/v1/models")
        assert listed.status_code == 200, listed.text
        return {m["owned_by"] for m in listed.json()["data"]}

    assert "groq" in await providers()
    on_plan(owner, features=["chat", "gateway", "tools", "knowledge"])
    assert "groq" not in await providers()
