"""Built-in tools through real runs on the live server (the scripted model calls a tool when
the user says `call <tool> <json>`): echo, web search against a local SearXNG-shaped server,
fetch under the tenant's outbound policy, approval policies, `GET /tools` and the record of
invocations, and the tenant's outbound allowlist."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from atrium.tenants.limits import Feature, PlanLimits
from atrium.tools.service import _unavailable
from tests.inprocess import Accounts
from tests.support import Account, Api, premium, register
from tests.tools.web import WebServer

MODEL = "scripted/fast"


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


def says(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    return says(f"call {tool} {json.dumps(args)}")


def assistant(api: Api, *tools: tuple[str, str]) -> str:
    r = api.post(
        "/assistants",
        json={
            "graph_id": "agent",
            "name": "Tool user",
            "context": {
                "model": MODEL,
                "tools": [{"name": name, "policy": policy} for name, policy in tools],
            },
        },
    )
    assert r.status_code in (200, 201), r.text
    return str(r.json()["assistant_id"])


def thread(api: Api) -> str:
    r = api.post("/threads", json={})
    assert r.status_code == 200, r.text
    return str(r.json()["thread_id"])


def wait(api: Api, thread_id: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"/threads/{thread_id}/runs/wait", json=body)
    assert r.status_code == 200, r.text
    values = r.json()
    assert isinstance(values, dict), values
    return values


def tool_messages(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in values.get("messages", []) if m.get("type") == "tool"]


def invocations(api: Api, **params: str) -> list[dict[str, Any]]:
    r = api.get("/tools/invocations", params=params)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert isinstance(items, list)
    return items


def run_tool(account: Account, tool: str, args: dict[str, Any]) -> tuple[str, str]:
    """Run one call of `tool` (policy allow) on a new thread: its thread id and the text the
    tool handed back to the model."""
    aid = assistant(account.api, (tool, "allow"))
    tid = thread(account.api)
    values = wait(account.api, tid, {"assistant_id": aid, "input": call(tool, args)})
    assert len(tool_messages(values)) == 1, values
    [message] = tool_messages(values)
    return tid, str(message["content"])


def allow_private(platform_admin: Api, account: Account, allowed: bool = True) -> None:
    r = platform_admin.patch(
        f"/admin/tenants/{account.tenant_id}", json={"allow_private_provider_urls": allowed}
    )
    assert r.status_code == 200, r.text


def test_echo_round_trip_is_recorded(base_url: str) -> None:
    owner = premium(register(base_url))
    tid, text = run_tool(owner, "echo", {"text": "hello tools <b>as is</b>"})
    assert text == "hello tools <b>as is</b>"
    [record] = invocations(owner.api, thread_id=tid)
    assert record["name"] == "echo"
    assert record["status"] == "success"
    assert record["input"] == {"text": "hello tools <b>as is</b>"}
    assert record["output"] == "hello tools <b>as is</b>"
    assert record["thread_id"] == tid
    assert record["approval"] is None and record["approved_by"] is None
    assert record["latency_ms"] >= 0
    assert invocations(owner.api, run_id=record["run_id"]) == [record]
    assert invocations(owner.api, name="calculator") == []


def test_web_search_reads_searxng_json(base_url: str, searxng: WebServer) -> None:
    owner = premium(register(base_url))
    query = f"lighthouses {uuid.uuid4().hex[:8]}"
    _, text = run_tool(owner, "web_search", {"query": query})
    assert text.startswith(f"1. Result 1 for {query}\n   https://example.org/1\n")
    assert f"Snippet number 1 about {query}." in text
    assert "5. Result 5" in text and "6. Result 6" not in text  # the top five only
    [asked] = [p for p in searxng.paths("/search") if query.replace(" ", "+") in p]
    assert "format=json" in asked


def test_fetch_returns_readable_text(base_url: str, platform_admin: Api, web: WebServer) -> None:
    owner = premium(register(base_url))
    allow_private(platform_admin, owner)
    _, text = run_tool(owner, "fetch", {"url": f"{web.url}/page"})
    assert "Title: Lighthouses of Brittany" in text
    assert "fourteen years to build" in text
    assert "automated in 1990" in text
    assert "SECRET_SCRIPT_CONTENT" not in text
    assert "color: red" not in text
    assert web.paths("/page") == ["/page"]
    _, plain = run_tool(owner, "fetch", {"url": f"{web.url}/text"})
    assert plain.endswith("Plain words, nothing else.")
    _, image = run_tool(owner, "fetch", {"url": f"{web.url}/image"})
    assert image.startswith("Error:") and "image/png" in image


SSRF_URLS = [
    "http://127.0.0.1:{port}/page",
    "http://localhost:{port}/page",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/page",
    "http://[::ffff:127.0.0.1]:{port}/page",
    "http://[64:ff9b::7f00:1]:{port}/page",
    "http://2130706433:{port}/page",
    "http://0x7f000001:{port}/page",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/_page",
    "http://user:pw@127.0.0.1:{port}/page",
]


def test_fetch_refuses_every_private_form(base_url: str, web: WebServer) -> None:
    owner = premium(register(base_url))  # private addresses not allowed
    aid = assistant(owner.api, ("fetch", "allow"))
    tid = thread(owner.api)
    for url in SSRF_URLS:
        target = url.format(port=web.port)
        values = wait(
            owner.api, tid, {"assistant_id": aid, "input": call("fetch", {"url": target})}
        )
        text = str(tool_messages(values)[-1]["content"])
        assert text.startswith("Error: Refused or failed:"), (target, text)
    assert web.requests == []
    records = invocations(owner.api, thread_id=tid, limit="100")
    assert len(records) == len(SSRF_URLS)
    assert {r["status"] for r in records} == {"error"}


def test_ask_policy_approved_then_rejected(base_url: str, db: psycopg.Connection[Any]) -> None:
    owner = premium(register(base_url))
    aid = assistant(owner.api, ("echo", "ask"))
    tid = thread(owner.api)
    paused = wait(owner.api, tid, {"assistant_id": aid, "input": call("echo", {"text": "first"})})
    assert tool_messages(paused) == []
    assert invocations(owner.api, thread_id=tid) == []  # nothing ran yet
    state = owner.api.get(f"/threads/{tid}").json()
    assert state["status"] == "interrupted"
    approved = wait(
        owner.api, tid, {"assistant_id": aid, "command": {"resume": {"action": "approve"}}}
    )
    assert [m["content"] for m in tool_messages(approved)] == ["first"]
    [record] = invocations(owner.api, thread_id=tid)
    assert record["approval"] == "approved"
    assert record["approved_by"] == owner.user_id
    assert record["output"] == "first"

    wait(owner.api, tid, {"assistant_id": aid, "input": call("echo", {"text": "second"})})
    rejected = wait(
        owner.api,
        tid,
        {"assistant_id": aid, "command": {"resume": {"action": "reject", "reason": "no"}}},
    )
    last = tool_messages(rejected)[-1]
    assert last["content"] == "The user rejected this tool call: no"
    records = invocations(owner.api, thread_id=tid)
    assert [(r["status"], r["approval"]) for r in records] == [
        ("rejected", "rejected"),
        ("success", "approved"),
    ]
    assert records[0]["approved_by"] == owner.user_id
    assert "second" not in (records[0]["output"] or "")
    stored = db.execute(
        "SELECT approved_by::text FROM tool_calls WHERE tenant_id = %s ORDER BY created_at",
        (owner.tenant_id,),
    ).fetchall()
    assert stored == [(owner.user_id,), (owner.user_id,)]


async def test_approved_by_is_whoever_resumed(accounts: Accounts, base_url: str) -> None:
    team = await accounts.team()
    member = Api(base_url, team.member.tokens["access_token"])
    admin = Api(base_url, team.admin.tokens["access_token"])
    aid = assistant(member, ("echo", "ask"))
    tid = thread(member)
    wait(member, tid, {"assistant_id": aid, "input": call("echo", {"text": "mine"})})
    edited = wait(
        admin,
        tid,
        {
            "assistant_id": aid,
            "command": {"resume": {"action": "edit", "args": {"text": "edited by admin"}}},
        },
    )
    assert tool_messages(edited)[-1]["content"] == "edited by admin"
    [record] = invocations(member, thread_id=tid)
    assert record["approval"] == "edited"
    assert record["approved_by"] == team.admin.user_id
    assert record["input"] == {"text": "edited by admin"}


def test_deny_policy_never_runs(base_url: str) -> None:
    owner = premium(register(base_url))
    aid = assistant(owner.api, ("echo", "deny"))
    tid = thread(owner.api)
    values = wait(owner.api, tid, {"assistant_id": aid, "input": call("echo", {"text": "x"})})
    [message] = tool_messages(values)
    assert message["content"] == "Error: the tool 'echo' is not available"
    assert invocations(owner.api, thread_id=tid) == []


def test_get_tools_lists_builtins_with_schemas(base_url: str, platform_admin: Api) -> None:
    owner = premium(register(base_url))
    r = owner.api.get("/tools")
    assert r.status_code == 200, r.text
    tools = {t["name"]: t for t in r.json()}
    assert {"calculator", "current_time", "echo", "fetch", "web_search"} <= set(tools)
    assert tools["fetch"]["parameters"]["required"] == ["url"]
    assert tools["web_search"]["parameters"]["properties"]["query"]["type"] == "string"
    assert tools["echo"]["source"] == "builtin"
    assert all(t["available"] for t in tools.values()), tools  # Basic includes tools

    # A plan without the tools feature: listed, not available, and saying why.
    plan_id = f"notools{uuid.uuid4().hex[:6]}"
    made = platform_admin.post(
        "/admin/plans",
        json={
            "id": plan_id,
            "name": "No tools",
            "position": 99,
            "monthly_price_cents": 0,
            "limits": {"features": ["chat"]},
        },
    )
    assert made.status_code == 201, made.text
    moved = platform_admin.patch(f"/admin/tenants/{owner.tenant_id}", json={"plan_id": plan_id})
    assert moved.status_code == 200, moved.text
    listed = {t["name"]: t for t in owner.api.get("/tools").json()}
    assert not any(t["available"] for t in listed.values())
    assert listed["echo"]["unavailable_reason"] == "Your plan does not include tools"


def test_availability_by_source_follows_the_plan() -> None:
    basic = PlanLimits(features=[Feature.chat, Feature.gateway, Feature.tools])
    full = PlanLimits(features=[Feature.tools, Feature.mcp, Feature.knowledge])
    assert _unavailable("builtin", basic) is None
    assert _unavailable("mcp:github", basic) == "Your plan does not include MCP servers"
    assert _unavailable("knowledge", basic) == "Your plan does not include knowledge bases"
    assert _unavailable("mcp:github", full) is None
    assert _unavailable("knowledge", full) is None
    assert _unavailable("builtin", PlanLimits(features=[Feature.chat])) is not None


def test_another_tenants_invocations_are_invisible(base_url: str) -> None:
    owner = premium(register(base_url))
    tid, _ = run_tool(owner, "echo", {"text": "mine"})
    [record] = invocations(owner.api, thread_id=tid)
    stranger = register(base_url)
    assert invocations(stranger.api) == []
    assert invocations(stranger.api, thread_id=tid) == []
    assert invocations(stranger.api, run_id=record["run_id"]) == []


async def test_member_sees_only_invocations_on_threads_they_can_see(
    accounts: Accounts, base_url: str
) -> None:
    team = await accounts.team()
    member = Api(base_url, team.member.tokens["access_token"])
    colleague = Api(base_url, team.other_member.tokens["access_token"])
    admin = Api(base_url, team.admin.tokens["access_token"])
    aid = assistant(member, ("echo", "allow"))
    tid = thread(member)
    wait(member, tid, {"assistant_id": aid, "input": call("echo", {"text": "private"})})
    [record] = invocations(member, thread_id=tid)
    assert invocations(colleague) == []
    assert invocations(colleague, thread_id=tid) == []
    assert invocations(colleague, run_id=record["run_id"]) == []
    assert [r["id"] for r in invocations(admin, thread_id=tid)] == [record["id"]]


async def test_allowlist_limits_fetch(
    accounts: Accounts, base_url: str, platform_admin: Api, web: WebServer
) -> None:
    team = await accounts.team()
    admin = Api(base_url, team.admin.tokens["access_token"])
    member = Api(base_url, team.member.tokens["access_token"])
    owner_account = Account(
        team.owner.email,
        team.owner.password,
        team.owner.user_id,
        team.owner.tenant_id,
        team.owner.tokens,
        Api(base_url, team.owner.tokens["access_token"]),
    )
    allow_private(platform_admin, owner_account)
    assert member.get("/tenants/current/outbound-allowlist").json() == {"hosts": []}
    refused = member.put("/tenants/current/outbound-allowlist", json={"hosts": ["evil.test"]})
    assert refused.status_code == 403, refused.text
    bad = admin.put("/tenants/current/outbound-allowlist", json={"hosts": ["not a host/"]})
    assert bad.status_code == 422, bad.text
    r = admin.put("/tenants/current/outbound-allowlist", json={"hosts": ["LocalHost", "docs.test"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"hosts": ["localhost", "docs.test"]}
    assert member.get("/tenants/current/outbound-allowlist").json() == r.json()
    audit = admin.get(
        "/tenants/current/audit-log", params={"action": "tenant.outbound_allowlist_changed"}
    )
    [entry] = audit.json()["items"]
    assert entry["details"] == {"before": [], "after": ["localhost", "docs.test"]}

    # 127.0.0.1 is off the list: refused, nothing fetched; localhost is on it.
    _, off = run_tool(owner_account, "fetch", {"url": f"{web.url}/page"})
    assert off.startswith("Error:") and "allowlist" in off
    assert web.requests == []
    _, on = run_tool(owner_account, "fetch", {"url": f"http://localhost:{web.port}/text"})
    assert on.endswith("Plain words, nothing else.")
    assert web.paths("/text") == ["/text"]
