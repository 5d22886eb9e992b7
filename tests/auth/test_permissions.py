"""The permission table (atrium/auth/permissions.py, DESIGN.md's "Who may do what"), cell by
cell over HTTP: for each resource and action a probe finds out what a person in each role
actually reaches (every row, only their own, or nothing) and the table must say the same.

A cell added to the table without a probe here fails `test_every_cell_has_a_probe`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest

from atrium.auth.context import Role
from atrium.auth.permissions import (
    KEY_EXCEPTIONS,
    PERMISSIONS,
    Action,
    Resource,
    Scope,
    markdown_table,
)
from tests.inprocess import Accounts, Principal, Team, assert_error
from tests.mcp_servers.server import serve_http

MCP_TOKEN = "mcp-probe-token-5d1e"
MCP_AUTH = {"Authorization": f"Bearer {MCP_TOKEN}"}


@dataclass
class World:
    """The team, and how its people act in this test: signed in, or through an API key of
    their own (an owner's key is an admin key, the highest a key can be)."""

    accounts: Accounts
    team: Team
    via_key: bool = False
    # user id -> that person acting through a key of theirs (one key each, for the module)
    keys: dict[str, Principal] = field(default_factory=dict)
    # A real MCP server the team may reach (tests/mcp_servers/server.py).
    mcp_url: str = ""

    def person(self, role: Role) -> Principal:
        """Who sets up a probe's rows (always signed in)."""
        return {Role.owner: self.team.owner, Role.admin: self.team.admin}.get(
            role, self.team.member
        )

    async def acting(self, who: Principal) -> Principal:
        """`who` as the probe's act is made: signed in, or with a key of theirs."""
        if not self.via_key:
            return who
        if who.user_id not in self.keys:
            role = "member" if who.role == Role.member else "admin"
            key = self.accounts.client(
                await self.accounts.api_key(who, role=role), header="x-api-key"
            )
            self.keys[who.user_id] = replace(who, http=key)
        return self.keys[who.user_id]


Probe = Callable[[World, Role], Awaitable[Scope]]
PROBES: dict[tuple[Resource, Action], Probe] = {}


def probe(resource: Resource, action: Action) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        PROBES[(resource, action)] = fn
        return fn

    return register


def refused(r: httpx.Response, status: int = 403) -> None:
    assert_error(r, status, "forbidden" if status == 403 else "not_found")


async def own_or_none(
    others: httpx.Response, own: Callable[[], Awaitable[httpx.Response]]
) -> Scope:
    """`all` if the act on someone else's row worked; otherwise (a 403 or a 404) `own` if
    the same act on the caller's own row works, else `none` (a 403)."""
    if others.is_success:
        return Scope.all
    assert others.status_code in (403, 404), others.text
    refused(others, others.status_code)
    mine = await own()
    if mine.is_success:
        return Scope.own
    refused(mine)
    return Scope.none


async def allowed(r: httpx.Response, when_allowed: Scope = Scope.all) -> Scope:
    if r.is_success:
        return when_allowed
    refused(r)
    return Scope.none


# --- tenant, billing --------------------------------------------------------------------


@probe(Resource.tenant, Action.read)
async def _tenant_read(w: World, role: Role) -> Scope:
    return await allowed(await (await w.acting(w.person(role))).http.get("/tenants/current"))


@probe(Resource.tenant, Action.change)
async def _tenant_change(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    r = await who.http.patch("/tenants/current", json={"name": f"Named by {role}"})
    return await allowed(r)


@probe(Resource.billing, Action.read)
async def _billing_read(w: World, role: Role) -> Scope:
    return await allowed(await (await w.acting(w.person(role))).http.get("/tenants/plan"))


@probe(Resource.billing, Action.change)
async def _billing_change(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    r = await who.http.post("/tenants/subscribe", json={"plan_id": "premium"})
    # How an owner's plan change completes (at once, or through a payment) is billing's
    # business; here only whether the role may start one.
    return Scope.none if r.status_code == 403 else Scope.all


# --- members ------------------------------------------------------------------------------


@probe(Resource.members, Action.read)
async def _members_read(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    return await allowed(await who.http.get("/tenants/current/members"))


@probe(Resource.members, Action.change)
async def _members_change(w: World, role: Role) -> Scope:
    # A member of their own for the member, who may leave: the team keeps its member.
    person = await w.accounts.join(w.team.owner) if role == Role.member else w.person(role)
    who = await w.acting(person)
    someone = await w.accounts.join(w.team.owner)
    others = await who.http.delete(f"/tenants/current/members/{someone.user_id}")
    if not others.is_success:
        await w.team.owner.http.delete(f"/tenants/current/members/{someone.user_id}")
    if role != Role.member:
        return await allowed(others)
    return await own_or_none(
        others, lambda: who.http.delete(f"/tenants/current/members/{person.user_id}")
    )


# --- API keys -----------------------------------------------------------------------------


async def _make_key(who: Principal) -> dict[str, str]:
    r = await who.http.post("/api-keys", json={"name": "probe", "role": "member"})
    assert r.status_code == 201, r.text
    return dict(r.json())


@probe(Resource.api_keys, Action.read)
async def _keys_read(w: World, role: Role) -> Scope:
    theirs, mine = await _make_key(w.team.other_member), await _make_key(w.person(role))
    who = await w.acting(w.person(role))
    r = await who.http.get("/api-keys", params={"limit": 200})
    if r.status_code == 403:
        return Scope.none
    assert r.status_code == 200, r.text
    listed = {k["id"] for k in r.json()["items"]}
    assert mine["id"] in listed
    return Scope.all if theirs["id"] in listed else Scope.own


@probe(Resource.api_keys, Action.create)
async def _keys_create(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    plain = await who.http.post("/api-keys", json={"name": "probe", "role": "member"})
    escalated = await who.http.post("/api-keys", json={"name": "probe", "role": "admin"})
    if not plain.is_success:
        refused(plain)
        refused(escalated)
        return Scope.none
    # Never above the creator's own role: only owners and admins make admin keys.
    assert escalated.status_code == (403 if role == Role.member else 201), escalated.text
    # A key is always its creator's: there is no way to make one for somebody else.
    return Scope.own


@probe(Resource.api_keys, Action.change)
async def _keys_change(w: World, role: Role) -> Scope:
    theirs, mine = await _make_key(w.team.other_member), await _make_key(w.person(role))
    who = await w.acting(w.person(role))
    return await own_or_none(
        await who.http.delete(f"/api-keys/{theirs['id']}"),
        lambda: who.http.delete(f"/api-keys/{mine['id']}"),
    )


# --- provider keys, webhook secret, audit log ---------------------------------------------


@probe(Resource.tenant_secrets, Action.read)
async def _secrets_read(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    paths = ("/provider-keys", "/tenants/current/audit-log", "/tenants/current/webhook-secret")
    scopes = {await allowed(await who.http.get(path)) for path in paths}
    assert len(scopes) == 1, f"{role}: {paths} disagree"
    return scopes.pop()


@probe(Resource.tenant_secrets, Action.change)
async def _secrets_change(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    body = {"provider": "mistral", "api_key": f"mistral-probe-{uuid.uuid4().hex}"}
    made = await w.team.owner.http.post("/provider-keys", json=body)
    assert made.status_code == 201, made.text
    deleted = await who.http.delete(f"/provider-keys/{made.json()['id']}")
    if not deleted.is_success:
        assert (await w.team.owner.http.delete(f"/provider-keys/{made.json()['id']}")).is_success
    created = await who.http.post("/provider-keys", json=body)
    if created.is_success:
        await who.http.delete(f"/provider-keys/{created.json()['id']}")
    scopes = {await allowed(deleted), await allowed(created)}
    assert len(scopes) == 1, f"{role}: deleting and storing disagree"
    return scopes.pop()


# --- MCP servers --------------------------------------------------------------------------


async def _mcp_server(w: World) -> str:
    r = await w.team.owner.http.post(
        "/mcp-servers",
        json={"name": f"p{uuid.uuid4().hex[:8]}", "url": w.mcp_url, "credentials": MCP_AUTH},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@probe(Resource.mcp_servers, Action.read)
async def _mcp_servers_read(w: World, role: Role) -> Scope:
    sid = await _mcp_server(w)
    who = await w.acting(w.person(role))
    scopes = {
        await allowed(await who.http.get(path))
        for path in ("/mcp-servers", f"/mcp-servers/{sid}", f"/mcp-servers/{sid}/tools")
    }
    assert (await w.team.owner.http.delete(f"/mcp-servers/{sid}")).is_success
    assert len(scopes) == 1, f"{role}: the MCP server reads disagree"
    return scopes.pop()


@probe(Resource.mcp_servers, Action.change)
async def _mcp_servers_change(w: World, role: Role) -> Scope:
    sid = await _mcp_server(w)
    who = await w.acting(w.person(role))
    changed = await who.http.patch(f"/mcp-servers/{sid}", json={"enabled": False})
    refreshed = await who.http.post(f"/mcp-servers/{sid}/refresh")
    deleted = await who.http.delete(f"/mcp-servers/{sid}")
    if not deleted.is_success:
        assert (await w.team.owner.http.delete(f"/mcp-servers/{sid}")).is_success
    body = {"name": f"p{uuid.uuid4().hex[:8]}", "url": w.mcp_url, "credentials": MCP_AUTH}
    created = await who.http.post("/mcp-servers", json=body)
    if created.is_success:
        assert (await w.team.owner.http.delete(f"/mcp-servers/{created.json()['id']}")).is_success
    scopes = {await allowed(r) for r in (changed, refreshed, deleted, created)}
    assert len(scopes) == 1, f"{role}: changing, refreshing, deleting and registering disagree"
    return scopes.pop()


# --- assistants ---------------------------------------------------------------------------


async def _assistant(who: Principal) -> str:
    r = await who.http.post("/assistants", json={"graph_id": "agent", "name": "probe"})
    assert r.status_code == 200, r.text
    return str(r.json()["assistant_id"])


@probe(Resource.assistants, Action.read)
async def _assistants_read(w: World, role: Role) -> Scope:
    theirs = await _assistant(w.team.owner if role == Role.member else w.team.other_member)
    return await allowed(await (await w.acting(w.person(role))).http.get(f"/assistants/{theirs}"))


@probe(Resource.assistants, Action.create)
async def _assistants_create(w: World, role: Role) -> Scope:
    r = await (await w.acting(w.person(role))).http.post("/assistants", json={"name": "probe"})
    return await allowed(r, Scope.own)


@probe(Resource.assistants, Action.change)
async def _assistants_change(w: World, role: Role) -> Scope:
    theirs = await _assistant(w.team.owner if role == Role.member else w.team.other_member)
    mine = await _assistant(w.person(role))
    who = await w.acting(w.person(role))
    return await own_or_none(
        await who.http.patch(f"/assistants/{theirs}", json={"name": "changed"}),
        lambda: who.http.patch(f"/assistants/{mine}", json={"name": "changed"}),
    )


# --- threads and their runs ---------------------------------------------------------------


async def _thread(who: Principal) -> str:
    r = await who.http.post("/threads", json={})
    assert r.status_code == 200, r.text
    return str(r.json()["thread_id"])


@probe(Resource.threads, Action.read)
async def _threads_read(w: World, role: Role) -> Scope:
    theirs, mine = await _thread(w.team.other_member), await _thread(w.person(role))
    who = await w.acting(w.person(role))
    return await own_or_none(
        await who.http.get(f"/threads/{theirs}"), lambda: who.http.get(f"/threads/{mine}")
    )


@probe(Resource.threads, Action.create)
async def _threads_create(w: World, role: Role) -> Scope:
    who = await w.acting(w.person(role))
    return await allowed(await who.http.post("/threads", json={}), Scope.own)


@probe(Resource.threads, Action.change)
async def _threads_change(w: World, role: Role) -> Scope:
    theirs, mine = await _thread(w.team.other_member), await _thread(w.person(role))
    who = await w.acting(w.person(role))
    body = {"metadata": {"by": str(role)}}
    return await own_or_none(
        await who.http.patch(f"/threads/{theirs}", json=body),
        lambda: who.http.patch(f"/threads/{mine}", json=body),
    )


# --- usage --------------------------------------------------------------------------------


@probe(Resource.usage, Action.read)
async def _usage_read(w: World, role: Role) -> Scope:
    """Someone else's gateway call shows in the reader's summary (all) or not (own)."""
    other = w.team.owner if role == Role.member else w.team.other_member
    key = w.accounts.client(await w.accounts.api_key(other), header="x-api-key")
    call = {"model": "scripted/fast", "messages": [{"role": "user", "content": "hi"}]}
    assert (await key.post("/v1/chat/completions", json=call)).status_code == 200
    tenant = w.team.owner
    params = {"group_by": "key"}
    for _ in range(100):  # usage is written in batches
        rows = (await tenant.http.get("/tenants/current/usage", params=params)).json()["rows"]
        if rows and sum(r["requests"] for r in rows) > 0:
            break
        await asyncio.sleep(0.05)
    r = await (await w.acting(w.person(role))).http.get("/tenants/current/usage", params=params)
    if r.status_code == 403:
        return Scope.none
    assert r.status_code == 200, r.text
    return Scope.all if r.json()["totals"]["requests"] > 0 else Scope.own


# --- the table ----------------------------------------------------------------------------


def _cells() -> list[object]:
    cells: list[object] = []
    for (resource, action), by_role in PERMISSIONS.items():
        for via in ("session", "key"):
            for role in by_role:
                name = f"{resource.name}-{action}-{role}-{via}"
                cells.append(pytest.param(resource, action, role, via, id=name))
    return cells


@pytest.fixture(scope="module")
async def team_of_the_module(accounts: Accounts) -> Team:
    # A team of this module's own: probes add and remove members and keys. Gold: provider
    # keys (BYOK) are a Gold feature.
    team = await accounts.team()
    await accounts.gold(team.owner)
    return team


@pytest.fixture(scope="module")
def keys_of_the_module() -> dict[str, Principal]:
    return {}


@pytest.fixture(scope="module")
async def mcp_of_the_module(accounts: Accounts, team_of_the_module: Team) -> AsyncIterator[str]:
    """A real MCP server on loopback, which the module's team is allowed to reach."""
    admin = await accounts.platform_admin()
    r = await admin.http.patch(
        f"/admin/tenants/{team_of_the_module.owner.tenant_id}",
        json={"allow_private_provider_urls": True},
    )
    assert r.status_code == 200, r.text
    with serve_http(MCP_TOKEN) as url:
        yield url


def test_every_cell_has_a_probe() -> None:
    assert set(PROBES) == set(PERMISSIONS)
    for by_role in PERMISSIONS.values():
        assert set(by_role) == set(Role)


@pytest.mark.parametrize(("resource", "action", "role", "via"), _cells())
async def test_cell(
    accounts: Accounts,
    team_of_the_module: Team,
    keys_of_the_module: dict[str, Principal],
    mcp_of_the_module: str,
    resource: Resource,
    action: Action,
    role: Role,
    via: str,
) -> None:
    world = World(accounts, team_of_the_module, via == "key", keys_of_the_module, mcp_of_the_module)
    expected = PERMISSIONS[(resource, action)]
    if via == "key":
        # A key acts with its effective role: an owner's key is an admin key.
        role_of_key = Role.member if role == Role.member else Role.admin
        expected = KEY_EXCEPTIONS.get((resource, action), expected)
        assert await PROBES[(resource, action)](world, role) == expected[role_of_key]
    else:
        assert await PROBES[(resource, action)](world, role) == expected[role]


def test_the_readme_shows_the_same_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert markdown_table() in readme
