"""A tenant's usage summary: what its gateway calls consumed, one tenant's never another's;
members see their own (DESIGN.md)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any

import httpx
import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error

# Basic plans allow no scripted models: the tenants that call are moved to Premium.
CALL = {"model": "scripted/fast", "messages": [{"role": "user", "content": "hi"}]}


async def usage(who: Principal, **params: Any) -> dict[str, Any]:
    return await usage_by(who.http, **params)


async def usage_by(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await http.get("/tenants/current/usage", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def calls_recorded(who: Principal, requests: int) -> dict[str, Any]:
    """The summary once `requests` calls are in it (usage is written in batches)."""
    for _ in range(100):
        summary = await usage(who)
        if summary["totals"]["requests"] >= requests:
            return summary
        await asyncio.sleep(0.05)
    raise AssertionError(f"usage shows {summary['totals']['requests']} of {requests} calls")


async def key_with_id(who: Principal) -> tuple[str, str]:
    r = await who.http.post("/api-keys", json={"name": "usage", "role": "member"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"]), str(r.json()["key"])


async def gateway_calls(key: httpx.AsyncClient, n: int) -> None:
    for _ in range(n):
        r = await key.post("/v1/chat/completions", json=CALL)
        assert r.status_code == 200, r.text


async def test_calls_are_summed_by_model_and_key(accounts: Accounts, owner: Principal) -> None:
    await accounts.premium(owner)
    key = accounts.client(await accounts.api_key(owner), header="x-api-key")
    await gateway_calls(key, 2)
    summary = await calls_recorded(owner, 2)
    [row] = summary["rows"]
    assert (row["model"], row["requests"], row["errors"]) == ("scripted/fast", 2, 0)
    assert row["input_tokens"] > 0 and row["output_tokens"] > 0
    by_model = await usage(owner, group_by="model")
    assert [(r["model"], r["api_key_id"], r["day"]) for r in by_model["rows"]] == [
        ("scripted/fast", None, None)
    ]
    # each record was priced when it was made: the sum is the records' own cost
    assert by_model["totals"]["cost_usd"] == summary["totals"]["cost_usd"]


async def test_rollups_by_every_dimension(accounts: Accounts, owner: Principal) -> None:
    await accounts.premium(owner)
    key_id, secret = await key_with_id(owner)
    key = accounts.client(secret, header="x-api-key")
    await gateway_calls(key, 3)
    await calls_recorded(owner, 3)
    summary = await usage(owner, group_by="tenant,user,key,assistant,model,day")
    [row] = summary["rows"]
    assert row["tenant_id"] == owner.tenant_id
    assert row["user_id"] == owner.user_id
    assert row["api_key_id"] == key_id
    assert row["assistant_id"] is None
    assert row["model"] == "scripted/fast"
    assert row["day"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert row["requests"] == 3 == summary["totals"]["requests"]
    assert summary["group_by"] == ["tenant", "user", "key", "assistant", "model", "day"]
    cut = await usage(owner, group_by="model,key", limit=1)
    assert len(cut["rows"]) == 1 and cut["totals"]["requests"] == 3 and not cut["truncated"]


async def test_csv_export(accounts: Accounts, owner: Principal) -> None:
    await accounts.premium(owner)
    key = accounts.client(await accounts.api_key(owner), header="x-api-key")
    await gateway_calls(key, 2)
    await calls_recorded(owner, 2)
    r = await owner.http.get("/tenants/current/usage/export", params={"group_by": "user,model"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == [
        "user_id",
        "model",
        "requests",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "errors",
    ]
    assert [(row["user_id"], row["model"], row["requests"]) for row in rows] == [
        (owner.user_id, "scripted/fast", "2")
    ]


async def test_platform_admins_see_every_tenant(accounts: Accounts) -> None:
    one = await accounts.premium(await accounts.tenant())
    two = await accounts.premium(await accounts.tenant())
    for who, calls in ((one, 1), (two, 2)):
        await gateway_calls(accounts.client(await accounts.api_key(who), header="x-api-key"), calls)
        await calls_recorded(who, calls)
    admin = await accounts.platform_admin()
    r = await admin.http.get("/admin/usage", params={"group_by": "tenant"})
    assert r.status_code == 200, r.text
    by_tenant = {row["tenant_id"]: row["requests"] for row in r.json()["rows"]}
    assert (by_tenant[one.tenant_id], by_tenant[two.tenant_id]) == (1, 2)
    assert r.json()["scope"] == "platform"
    r = await admin.http.get(
        "/admin/usage", params={"group_by": "tenant,model", "tenant_id": two.tenant_id}
    )
    assert [(row["tenant_id"], row["requests"]) for row in r.json()["rows"]] == [(two.tenant_id, 2)]
    r = await admin.http.get("/admin/usage/export", params={"tenant_id": one.tenant_id})
    assert r.status_code == 200 and r.text.splitlines()[0].startswith("tenant_id,day,"), r.text
    # a tenant's owner is not a platform administrator
    assert_error(await one.http.get("/admin/usage"), 403, "forbidden")
    assert_error(await one.http.get("/admin/usage/export"), 403, "forbidden")


async def test_a_new_tenant_has_none(owner: Principal) -> None:
    summary = await usage(owner)
    assert summary["rows"] == [] and summary["totals"]["requests"] == 0


async def test_one_tenants_calls_are_not_anothers(accounts: Accounts, owner: Principal) -> None:
    other = await accounts.premium(await accounts.tenant())
    key = accounts.client(await accounts.api_key(other), header="x-api-key")
    await gateway_calls(key, 1)
    await calls_recorded(other, 1)
    assert (await usage(owner))["totals"]["requests"] == 0


async def test_member_sees_only_their_own(accounts: Accounts, team: Team) -> None:
    before = (await usage(team.owner))["totals"]["requests"]
    key = accounts.client(await accounts.api_key(team.owner), header="x-api-key")
    await gateway_calls(key, 1)
    await calls_recorded(team.owner, before + 1)
    mine = accounts.client(await accounts.api_key(team.other_member), header="x-api-key")
    await gateway_calls(mine, 2)
    await calls_recorded(team.owner, before + 3)
    own = await usage(team.other_member, group_by="user")
    assert own["scope"] == "own"
    assert [(r["user_id"], r["requests"]) for r in own["rows"]] == [(team.other_member.user_id, 2)]
    assert own["totals"]["requests"] == 2
    # the member's key sees what its creator sees, never the tenant's
    assert (await usage_by(mine, group_by="user"))["totals"]["requests"] == 2
    assert (await usage(team.member))["totals"]["requests"] == 0
    exported = await team.other_member.http.get(
        "/tenants/current/usage/export", params={"group_by": "user"}
    )
    assert exported.status_code == 200, exported.text
    assert [row["user_id"] for row in csv.DictReader(io.StringIO(exported.text))] == [
        team.other_member.user_id
    ]
    # admins see the tenant's
    tenant = await usage(team.admin, group_by="user")
    assert tenant["scope"] == "tenant"
    by_user = {r["user_id"]: r["requests"] for r in tenant["rows"]}
    assert by_user[team.other_member.user_id] == 2
    assert by_user[team.owner.user_id] >= 1


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"}, 400, "since"),
        ({"group_by": "day,colour"}, 400, "group_by"),
        ({"group_by": "x" * 61}, 422, "query.group_by"),
        ({"since": "2020-01-01T00:00:00Z", "until": "2030-01-01T00:00:00Z"}, 400, "since"),
        ({"limit": "0"}, 422, "query.limit"),
        ({"since": "yesterday"}, 422, "query.since"),
    ],
)
async def test_bad_query_is_named(
    owner: Principal, params: dict[str, str], status: int, field: str
) -> None:
    r = await owner.http.get("/tenants/current/usage", params=params)
    assert_error(r, status, "bad_request" if status == 400 else "validation_error", field)
