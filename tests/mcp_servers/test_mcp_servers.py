"""Registering MCP servers, in process, against a real MCP server built with the official
SDK: tools discovered, credentials sealed and never shown, roles, plans, stdio for platform
administrators only, SSRF, another tenant, and the tools a run is offered."""

from __future__ import annotations

import sys
import uuid
from typing import Any

import httpx
import psycopg
import pytest

from atrium.agents.tools import ToolError, ToolScope
from atrium.kit import netguard
from atrium.kit.crypto import SecretBox
from atrium.mcp_servers.service import McpServerService
from atrium.mcp_servers.tools import McpTools
from tests.inprocess import Accounts, Principal, Team, assert_error
from tests.mcp_servers.conftest import TOKEN, allow_private
from tests.mcp_servers.server import CALLS, LONG_NAME, serve_redirect

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TOOLS = {"add", "secret_word", "shout", "fail", "repeat", LONG_NAME}


@pytest.fixture(scope="module")
async def team(accounts: Accounts) -> Team:
    made = await accounts.team()  # Premium: has the `mcp` feature
    await allow_private(accounts, made.owner)
    return made


def source(accounts: Accounts) -> McpTools:
    runtime = accounts._app.state.runtime
    service: McpServerService = runtime.mcp_server_service
    return McpTools(db=runtime.db, service=service)


def scope(who: Principal, *wanted: str, plan_id: str = "premium") -> ToolScope:
    return ToolScope(tenant_id=uuid.UUID(who.tenant_id), plan_id=plan_id, wanted=frozenset(wanted))


async def register(who: Principal, url: str, **body: Any) -> httpx.Response:
    payload = {"name": f"s{uuid.uuid4().hex[:8]}", "url": url, "credentials": AUTH, **body}
    return await who.http.post("/mcp-servers", json=payload)


def stored(db: psycopg.Connection[Any], tenant_id: str) -> list[Any]:
    return db.execute(
        "SELECT name, credentials FROM mcp_servers WHERE tenant_id = %s", (tenant_id,)
    ).fetchall()


async def test_register_discovers_tools_and_never_shows_credentials(
    team: Team, mcp_url: str, db: psycopg.Connection[Any]
) -> None:
    made = await register(team.admin, mcp_url, name="srv")
    assert made.status_code == 201, made.text
    server = made.json()
    assert server["has_credentials"] is True and server["transport"] == "http"
    assert {t["name"] for t in server["tools"]} == {f"srv__{t}" for t in TOOLS}
    add = next(t for t in server["tools"] if t["tool"] == "add")
    assert add["offered"] is True
    assert add["input_schema"]["properties"].keys() == {"a", "b"}
    assert server["tools_discovered_at"] is not None
    sid = server["id"]
    responses = [
        made,
        await team.admin.http.get("/mcp-servers"),
        await team.admin.http.get(f"/mcp-servers/{sid}"),
        await team.admin.http.get(f"/mcp-servers/{sid}/tools"),
        await team.admin.http.post(f"/mcp-servers/{sid}/refresh"),
        await team.owner.http.patch(f"/mcp-servers/{sid}", json={"enabled": True}),
        await team.owner.http.get("/tenants/current/audit-log"),
    ]
    for r in responses:
        assert r.status_code in (200, 201), r.text
        assert TOKEN not in r.text
    for shown in (made.json(), responses[2].json(), *responses[1].json()):
        assert "credentials" not in shown and shown["has_credentials"] is True
    assert [t["name"] for t in responses[3].json()] == [t["name"] for t in server["tools"]]
    # at rest: sealed, the token nowhere in the row
    row = db.execute(
        "SELECT row_to_json(x)::text, credentials FROM mcp_servers x WHERE id = %s", (sid,)
    ).fetchone()
    assert row is not None
    assert TOKEN not in row[0] and TOKEN.encode() not in bytes(row[1])
    # one name per tenant
    again = await register(team.admin, mcp_url, name="srv")
    assert_error(again, 409, "conflict", "name")


async def test_a_server_that_refuses_the_credentials_is_not_stored(
    team: Team, mcp_url: str, db: psycopg.Connection[Any]
) -> None:
    before = stored(db, team.owner.tenant_id)
    r = await register(team.admin, mcp_url, credentials={"Authorization": "Bearer wrong"})
    assert_error(r, 422, "mcp_unavailable")
    r = await register(team.admin, mcp_url, credentials=None)
    assert_error(r, 422, "mcp_unavailable")
    assert stored(db, team.owner.tenant_id) == before


async def test_members_neither_see_nor_manage(team: Team, mcp_url: str) -> None:
    # As the tenant's other secrets (DESIGN.md's table): servers are the admins' business.
    made = await register(team.admin, mcp_url)
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    assert_error(await register(team.member, mcp_url), 403, "forbidden")
    for r in (
        await team.member.http.get("/mcp-servers"),
        await team.member.http.get(f"/mcp-servers/{sid}"),
        await team.member.http.get(f"/mcp-servers/{sid}/tools"),
        await team.member.http.patch(f"/mcp-servers/{sid}", json={"enabled": False}),
        await team.member.http.post(f"/mcp-servers/{sid}/refresh"),
        await team.member.http.delete(f"/mcp-servers/{sid}"),
    ):
        assert_error(r, 403, "forbidden")
    assert (await team.admin.http.get(f"/mcp-servers/{sid}")).json()["enabled"] is True


async def test_basic_plan_has_no_mcp(accounts: Accounts, mcp_url: str) -> None:
    basic = await accounts.tenant()
    await allow_private(accounts, basic)
    r = await register(basic, mcp_url)
    assert_error(r, 403, "forbidden")
    assert "mcp" in r.json()["error"]["message"]
    assert (await basic.http.get("/mcp-servers")).json() == []


async def test_basic_plan_runs_are_offered_no_mcp_tools(accounts: Accounts, mcp_url: str) -> None:
    owner = await accounts.premium(await accounts.tenant())
    await allow_private(accounts, owner)
    assert (await register(owner, mcp_url, name="srv")).status_code == 201
    tools = source(accounts)
    assert [t.name for t in await tools.tools(scope(owner, "srv__add"))] == ["srv__add"]
    # the plan moves to Basic: the stored server stays, its tools are not offered
    await accounts.set_plan(owner, "basic")
    assert await tools.tools(scope(owner, "srv__add", plan_id="basic")) == []


async def test_tools_offered_to_a_run_call_the_server(accounts: Accounts, mcp_url: str) -> None:
    owner = await accounts.premium(await accounts.tenant())
    await allow_private(accounts, owner)
    made = await register(owner, mcp_url, name="calc")
    assert made.status_code == 201, made.text
    tools = {
        t.name: t
        for t in await source(accounts).tools(scope(owner, "calc__add", "calc__fail", "calculator"))
    }
    assert tools.keys() == {"calc__add", "calc__fail"}
    # a listing (no names wanted) gets every offered tool
    listed = {t.name for t in await source(accounts).tools(scope(owner))}
    assert listed == {f"calc__{t}" for t in TOOLS}
    assert tools["calc__add"].source == "mcp:calc"
    assert tools["calc__add"].parameters["required"] == ["a", "b"]
    assert await tools["calc__add"].run({"a": 20, "b": 22}) == "42"
    assert ("add", {"a": 20, "b": 22}) in CALLS
    with pytest.raises(ToolError, match="out of cheese"):
        await tools["calc__fail"].run({"reason": "out of cheese"})
    # a disabled server offers nothing
    sid = made.json()["id"]
    r = await owner.http.patch(f"/mcp-servers/{sid}", json={"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False, r.text
    assert await source(accounts).tools(scope(owner, "calc__add")) == []


async def test_changing_credentials_to_wrong_ones_changes_nothing(
    accounts: Accounts, mcp_url: str
) -> None:
    owner = await accounts.premium(await accounts.tenant())
    await allow_private(accounts, owner)
    made = await register(owner, mcp_url, name="srv")
    sid = made.json()["id"]
    r = await owner.http.patch(
        f"/mcp-servers/{sid}", json={"credentials": {"Authorization": "Bearer wrong"}}
    )
    assert_error(r, 422, "mcp_unavailable")
    tool = (await source(accounts).tools(scope(owner, "srv__shout")))[0]
    assert await tool.run({"text": "still works"}) == "STILL WORKS"
    r = await owner.http.patch(f"/mcp-servers/{sid}", json={"name": "renamed"})
    assert r.status_code == 200, r.text
    assert {t["name"] for t in r.json()["tools"]} == {f"renamed__{t}" for t in TOOLS}
    assert (await owner.http.delete(f"/mcp-servers/{sid}")).status_code == 204
    assert (await owner.http.get(f"/mcp-servers/{sid}")).status_code == 404


async def test_another_tenant_gets_404_and_its_runs_never_see_the_tools(
    accounts: Accounts, team: Team, mcp_url: str
) -> None:
    made = await register(team.admin, mcp_url, name="private_srv")
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    stranger = await accounts.premium(await accounts.tenant())
    await allow_private(accounts, stranger)
    for r in (
        await stranger.http.get(f"/mcp-servers/{sid}"),
        await stranger.http.get(f"/mcp-servers/{sid}/tools"),
        await stranger.http.patch(f"/mcp-servers/{sid}", json={"enabled": False}),
        await stranger.http.post(f"/mcp-servers/{sid}/refresh"),
        await stranger.http.delete(f"/mcp-servers/{sid}"),
    ):
        assert_error(r, 404, "not_found")
    assert (await stranger.http.get("/mcp-servers")).json() == []
    assert await source(accounts).tools(scope(stranger, "private_srv__add")) == []
    assert (await team.admin.http.get(f"/mcp-servers/{sid}")).json()["enabled"] is True


async def test_stdio_only_by_a_platform_administrator(
    accounts: Accounts, team: Team, db: psycopg.Connection[Any]
) -> None:
    body = {
        "name": "local",
        "transport": "stdio",
        "command": sys.executable,
        "args": ["-m", "tests.mcp_servers.server"],
        "credentials": {"MCP_TEST_SECRET": "stdio-canary-99"},
    }
    assert_error(await team.owner.http.post("/mcp-servers", json=body), 403, "forbidden")
    assert_error(await team.admin.http.post("/mcp-servers", json=body), 403, "forbidden")
    assert not [r for r in stored(db, team.owner.tenant_id) if r[0] == "local"]
    admin = await accounts.premium(await accounts.platform_admin())
    made = await admin.http.post("/mcp-servers", json=body)
    assert made.status_code == 201, made.text
    assert {t["tool"] for t in made.json()["tools"]} == TOOLS
    assert "stdio-canary-99" not in made.text
    tool = (await source(accounts).tools(scope(admin, "local__secret_word")))[0]
    # the server's environment carries its credentials
    assert await tool.run({}) == "stdio-canary-99"
    r = await admin.http.delete(f"/mcp-servers/{made.json()['id']}")
    assert r.status_code == 204


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/mcp",
        "http://localhost:{port}/mcp",
        "http://169.254.169.254/mcp",
        "http://[::1]:{port}/mcp",
        "http://10.0.0.1/mcp",
        "http://[::ffff:127.0.0.1]:{port}/mcp",
    ],
)
async def test_private_addresses_are_refused(
    accounts: Accounts, mcp_url: str, url: str, db: psycopg.Connection[Any]
) -> None:
    owner = await accounts.premium(await accounts.tenant())  # without the switch
    port = httpx.URL(mcp_url).port
    calls = len(CALLS)
    r = await register(owner, url.format(port=port))
    assert_error(r, 400, "outbound_refused", "url")
    assert stored(db, owner.tenant_id) == []
    assert len(CALLS) == calls


async def test_a_redirect_to_a_private_address_is_refused(
    accounts: Accounts, mcp_url: str, db: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 127.0.0.2 stands for a public host here: the guard counts it as public, so the first
    # request reaches it; its redirect points at the real MCP server on 127.0.0.1.
    public = netguard.is_public
    monkeypatch.setattr(netguard, "is_public", lambda a: a == "127.0.0.2" or public(a))
    owner = await accounts.premium(await accounts.tenant())  # without the switch
    calls = len(CALLS)
    with serve_redirect(mcp_url, host="127.0.0.2") as redirecting:
        r = await register(owner, redirecting)
    assert_error(r, 400, "outbound_refused", "url")
    assert stored(db, owner.tenant_id) == []
    assert len(CALLS) == calls


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Bad-Name", "url": "http://example.com/mcp"}, "body.name"),
        ({"name": "a" * 33, "url": "http://example.com/mcp"}, "body.name"),
        ({"name": "ok"}, "body"),
        ({"name": "ok", "url": "ftp://example.com/mcp"}, "body.url"),
        ({"name": "ok", "url": "http://example.com", "command": "sh"}, "body"),
        ({"name": "ok", "transport": "stdio"}, "body"),
        ({"name": "ok", "url": "http://example.com", "credentials": {"a b": "x"}}, None),
        ({"name": "ok\u0000", "url": "http://example.com"}, "body.name"),
    ],
)
async def test_bad_input_is_refused_and_not_echoed(
    team: Team, body: dict[str, Any], field: str | None
) -> None:
    r = await team.admin.http.post("/mcp-servers", json=body)
    assert r.status_code == 422, r.text
    if field is not None:
        assert r.json()["error"]["field"].startswith(field), r.text


async def test_long_answers_are_truncated_and_long_names_not_offered(
    accounts: Accounts, mcp_url: str
) -> None:
    owner = await accounts.premium(await accounts.tenant())
    await allow_private(accounts, owner)
    name = "a_long_server_name_here"
    made = await register(owner, mcp_url, name=name)
    assert made.status_code == 201, made.text
    shown = {t["tool"]: t for t in made.json()["tools"]}
    assert shown[LONG_NAME]["offered"] is False  # 23 + 2 + 49 characters: over 64
    assert shown["repeat"]["offered"] is True
    wanted = (f"{name}__repeat", f"{name}__{LONG_NAME}")
    tools = {t.name: t for t in await source(accounts).tools(scope(owner, *wanted))}
    assert tools.keys() == {f"{name}__repeat"}
    answer = await tools[f"{name}__repeat"].run({"text": "ab\u0000", "times": 10_000})
    assert isinstance(answer, str)
    assert answer.startswith("abab") and "\x00" not in answer
    assert answer.endswith("[truncated: 4000 more characters]")


async def test_credentials_are_resealed_after_a_key_rotation(
    accounts: Accounts, mcp_url: str
) -> None:
    owner = await accounts.premium(await accounts.tenant())
    await allow_private(accounts, owner)
    assert (await register(owner, mcp_url, name="srv")).status_code == 201
    runtime = accounts._app.state.runtime
    old = runtime.settings.resolved_secret_key()
    rotated = McpServerService(
        secrets=SecretBox("rotated-" + "k" * 40, [old]), tenants=runtime.tenant_service
    )
    tenant_id = uuid.UUID(owner.tenant_id)
    async with runtime.db.transaction() as session:
        assert await rotated.reseal_all(session=session, tenant_ids=[tenant_id]) == 1
    async with runtime.db.transaction() as session:
        assert await rotated.reseal_all(session=session, tenant_ids=[tenant_id]) == 0
    # only the new key opens them now, and the server still accepts what they hold
    only_new = McpServerService(
        secrets=SecretBox("rotated-" + "k" * 40), tenants=runtime.tenant_service
    )
    tool = (await McpTools(db=runtime.db, service=only_new).tools(scope(owner, "srv__add")))[0]
    assert await tool.run({"a": 3, "b": 4}) == "7"


async def test_a_server_deleted_during_its_refresh_is_not_found(
    team: Team, mcp_url: str, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh talks to the server for a while; a delete that commits meanwhile makes the
    refresh's write find no row: 404, not a 500."""
    made = await register(team.admin, mcp_url)
    assert made.status_code == 201, made.text
    server_id = made.json()["id"]
    service: McpServerService = accounts._app.state.runtime.mcp_server_service
    discover = service._discover

    async def discover_then_lose_the_server(*args: Any, **kwargs: Any) -> None:
        await discover(*args, **kwargs)
        deleted = await team.owner.http.delete(f"/mcp-servers/{server_id}")
        assert deleted.status_code == 204, deleted.text

    monkeypatch.setattr(service, "_discover", discover_then_lose_the_server)
    refreshed = await team.admin.http.post(f"/mcp-servers/{server_id}/refresh")
    assert_error(refreshed, 404, "not_found")
    assert_error(await team.admin.http.get(f"/mcp-servers/{server_id}"), 404, "not_found")
