"""MCP tools in real runs on the live server, through the unmodified `langgraph-sdk`: an
assistant calls a tool of a real MCP server (allow), an `ask` tool pauses the run until a
person approves, a `deny` tool never reaches the server, and another tenant's runs never
see the tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.mcp_servers.conftest import TOKEN
from tests.mcp_servers.server import CALLS
from tests.runs.sdk import says
from tests.support import Account, api_key, platform_admin_of, premium, register


def as_object(value: object) -> dict[str, Any]:
    assert isinstance(value, dict), value
    return value


@pytest.fixture(scope="module")
def account(base_url: str, mcp_url: str) -> Account:
    """A Premium tenant whose platform administrator let it reach loopback, with the test's
    MCP server registered as `srv`."""
    made = premium(register(base_url))
    admin = platform_admin_of(base_url)
    r = admin.patch(f"/admin/tenants/{made.tenant_id}", json={"allow_private_provider_urls": True})
    assert r.status_code == 200, r.text
    r = made.api.post(
        "/mcp-servers",
        json={"name": "srv", "url": mcp_url, "credentials": {"Authorization": f"Bearer {TOKEN}"}},
    )
    assert r.status_code == 201, r.text
    return made


@pytest.fixture
async def client(base_url: str, account: Account) -> AsyncIterator[LangGraphClient]:
    c = get_client(url=base_url, api_key=api_key(account, role="admin"))
    yield c
    await c.http.client.aclose()


async def assistant(client: LangGraphClient, tools: list[Any]) -> str:
    a = await client.assistants.create(
        graph_id="agent", context={"model": "scripted/fast", "tools": tools}
    )
    return str(a["assistant_id"])


def tool_messages(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in state["messages"] if m["type"] == "tool"]


async def test_an_assistant_calls_an_mcp_tool(
    client: LangGraphClient, account: Account, db: psycopg.Connection[Any]
) -> None:
    aid = await assistant(client, [{"name": "srv__add", "policy": "allow"}])
    thread = await client.threads.create()
    tid = thread["thread_id"]
    result = as_object(
        await client.runs.wait(tid, aid, input=says('call srv__add {"a": 1234, "b": 4321}'))
    )
    assert ("add", {"a": 1234, "b": 4321}) in CALLS
    assert tool_messages(result)[-1]["content"] == "5555"
    assert result["messages"][-1]["type"] == "ai"
    # the thread keeps the ToolMessage, and the call is recorded
    state = as_object(await client.threads.get_state(tid))
    stored = tool_messages(as_object(state["values"]))[-1]
    assert stored["name"] == "srv__add" and stored["content"] == "5555"
    rows = db.execute(
        "SELECT name, status, output FROM tool_calls WHERE tenant_id = %s",
        (account.tenant_id,),
    ).fetchall()
    assert ("srv__add", "success", "5555") in rows


async def test_ask_pauses_until_approved_and_deny_never_calls(
    client: LangGraphClient, account: Account, db: psycopg.Connection[Any]
) -> None:
    aid = await assistant(
        client,
        [
            {"name": "srv__shout", "policy": "ask"},
            {"name": "srv__secret_word", "policy": "deny"},
        ],
    )
    tid = (await client.threads.create())["thread_id"]
    ask = says('call srv__shout {"text": "approve me 81"}')
    waited = as_object(await client.runs.wait(tid, aid, input=ask))
    interrupt = waited["__interrupt__"][0]["value"]
    assert interrupt["tool_call"]["name"] == "srv__shout"
    assert ("shout", {"text": "approve me 81"}) not in CALLS  # paused before the call
    assert (await client.threads.get(tid))["status"] == "interrupted"
    result = as_object(await client.runs.wait(tid, aid, command={"resume": {"action": "approve"}}))
    assert ("shout", {"text": "approve me 81"}) in CALLS
    assert tool_messages(result)[-1]["content"] == "APPROVE ME 81"
    assert result["messages"][-1]["type"] == "ai"
    rows = db.execute(
        "SELECT name, status, approval FROM tool_calls WHERE tenant_id = %s",
        (account.tenant_id,),
    ).fetchall()
    assert ("srv__shout", "success", "approved") in rows
    # deny: the model's call is answered with an error, the server never hears of it
    calls = len(CALLS)
    denied = as_object(await client.runs.wait(tid, aid, input=says("call srv__secret_word {}")))
    assert "not available" in tool_messages(denied)[-1]["content"]
    assert "swordfish" not in str(denied["messages"])
    assert len(CALLS) == calls


async def test_another_tenants_runs_never_see_the_tools(base_url: str, account: Account) -> None:
    stranger = premium(register(base_url))
    other = get_client(url=base_url, api_key=api_key(stranger, role="admin"))
    try:
        aid = await assistant(other, [{"name": "srv__add", "policy": "allow"}])
        tid = (await other.threads.create())["thread_id"]
        calls = len(CALLS)
        result = as_object(
            await other.runs.wait(tid, aid, input=says('call srv__add {"a": 1, "b": 1}'))
        )
        assert "not available" in tool_messages(result)[-1]["content"]
        assert len(CALLS) == calls
    finally:
        await other.http.client.aclose()
