"""The audit log: who changed members, roles, keys and the tenant, from where; read by owners
and admins only, one tenant's entries never shown to another."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error


async def entries(who: Principal, **params: Any) -> list[dict[str, Any]]:
    r = await who.http.get("/tenants/current/audit-log", params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_registration_opens_the_log(accounts: Accounts) -> None:
    owner = await accounts.register()
    log = await entries(owner)
    assert [e["action"] for e in log] == ["auth.registered", "tenant.created"]
    created = log[1]
    assert (created["target_type"], created["target_id"]) == ("tenant", owner.tenant_id)
    assert created["actor_user_id"] == owner.user_id
    assert created["details"] == {"plan_id": "basic"}


async def test_sign_in_is_recorded_and_a_failed_one_is_not(accounts: Accounts) -> None:
    owner = await accounts.register()
    wrong = await accounts.client().post(
        "/auth/login", json={"email": owner.email, "password": "not the password"}
    )
    assert_error(wrong, 401, "unauthorized")
    again = await accounts.sign_in(owner.email)
    assert again.user_id == owner.user_id and again.tenant_id == owner.tenant_id
    [entry] = await entries(again, action="auth.signed_in")
    assert (entry["actor_user_id"], entry["ip"]) == (owner.user_id, "127.0.0.1")


async def test_role_change_is_recorded_with_actor_target_and_client(
    accounts: Accounts, owner: Principal
) -> None:
    member = await accounts.join(owner)
    r = await owner.http.patch(
        f"/tenants/current/members/{member.user_id}",
        json={"role": "admin"},
        headers={"User-Agent": "audit-test/1"},
    )
    assert r.status_code == 200, r.text
    [entry] = await entries(owner, action="member.role_changed")
    assert entry["actor_user_id"] == owner.user_id
    assert entry["actor_api_key_id"] is None
    assert (entry["target_type"], entry["target_id"]) == ("user", member.user_id)
    assert entry["details"] == {"from": "member", "to": "admin"}
    assert entry["user_agent"] == "audit-test/1"
    assert entry["ip"] == "127.0.0.1"


async def test_a_refused_change_is_not_recorded(accounts: Accounts, owner: Principal) -> None:
    member = await accounts.join(owner)
    r = await member.http.patch(
        f"/tenants/current/members/{owner.user_id}", json={"role": "member"}
    )
    assert_error(r, 403, "forbidden")
    assert await entries(owner, action="member.role_changed") == []


async def test_invitation_joining_removal_and_leaving(accounts: Accounts, owner: Principal) -> None:
    stays = await accounts.join(owner)
    leaves = await accounts.join(owner)
    assert (await owner.http.delete(f"/tenants/current/members/{stays.user_id}")).status_code == 204
    assert (
        await leaves.http.delete(f"/tenants/current/members/{leaves.user_id}")
    ).status_code == 204
    log = await entries(owner)
    actions = [e["action"] for e in log]
    assert actions[:2] == ["member.left", "member.removed"]  # newest first
    assert actions.count("invitation.created") == 2
    assert actions.count("invitation.accepted") == 2
    left, removed = log[0], log[1]
    assert (left["actor_user_id"], left["target_id"]) == (leaves.user_id, leaves.user_id)
    assert (removed["actor_user_id"], removed["target_id"]) == (owner.user_id, stays.user_id)
    accepted = [e for e in log if e["action"] == "invitation.accepted"]
    assert {e["actor_user_id"] for e in accepted} == {stays.user_id, leaves.user_id}
    assert all(e["details"] == {"role": "member"} for e in accepted)


async def test_an_api_key_is_named_as_the_actor(accounts: Accounts, owner: Principal) -> None:
    key = accounts.client(await accounts.api_key(owner, role="admin"), header="x-api-key")
    [created] = await entries(owner, action="api_key.created")
    r = await key.patch("/tenants/current", json={"name": "Renamed by a key"})
    assert r.status_code == 200, r.text
    [renamed] = await entries(owner, action="tenant.renamed")
    assert renamed["actor_api_key_id"] == created["target_id"]
    assert renamed["actor_user_id"] == owner.user_id


async def test_pages_and_filter(accounts: Accounts, owner: Principal) -> None:
    for name in ("One", "Two", "Three"):
        r = await owner.http.patch("/tenants/current", json={"name": name})
        assert r.status_code == 200
    r = await owner.http.get(
        "/tenants/current/audit-log", params={"action": "tenant.renamed", "limit": 2}
    )
    page = r.json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 0, 2)
    rest = await entries(owner, action="tenant.renamed", limit=2, offset=2)
    assert len(rest) == 1
    assert await entries(owner, action="no.such.action") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"action": "x" * 101}, "query.action"),
    ],
)
async def test_bad_query_is_named(owner: Principal, params: dict[str, Any], field: str) -> None:
    r = await owner.http.get("/tenants/current/audit-log", params=params)
    assert_error(r, 422, "validation_error", field)


async def test_only_owners_and_admins_read_it(accounts: Accounts, team: Team) -> None:
    assert await entries(team.owner)
    assert await entries(team.admin)
    assert_error(await team.member.http.get("/tenants/current/audit-log"), 403, "forbidden")
    admin_key = accounts.client(
        await accounts.api_key(team.admin, role="admin"), header="x-api-key"
    )
    assert (await admin_key.get("/tenants/current/audit-log")).status_code == 200
    member_key = accounts.client(await accounts.api_key(team.member), header="x-api-key")
    assert_error(await member_key.get("/tenants/current/audit-log"), 403, "forbidden")


async def test_one_tenants_log_is_its_own(accounts: Accounts, owner: Principal) -> None:
    other = await accounts.register()
    await other.http.patch("/tenants/current", json={"name": "Elsewhere"})
    mine = await entries(owner)
    assert {e["actor_user_id"] for e in mine} == {owner.user_id}
    assert "tenant.renamed" not in [e["action"] for e in mine]


async def test_a_removed_admins_key_stops_reading_it(accounts: Accounts, owner: Principal) -> None:
    admin = await accounts.join(owner, role="admin")
    key = accounts.client(await accounts.api_key(admin, role="admin"), header="x-api-key")
    assert (await key.get("/tenants/current/audit-log")).status_code == 200
    r = await owner.http.delete(f"/tenants/current/members/{admin.user_id}")
    assert r.status_code == 204
    assert (await key.get("/tenants/current/audit-log")).status_code == 401


async def test_a_demoted_admins_key_stops_reading_it(accounts: Accounts, owner: Principal) -> None:
    admin = await accounts.join(owner, role="admin")
    key = accounts.client(await accounts.api_key(admin, role="admin"), header="x-api-key")
    r = await owner.http.patch(f"/tenants/current/members/{admin.user_id}", json={"role": "member"})
    assert r.status_code == 200
    assert_error(await key.get("/tenants/current/audit-log"), 403, "forbidden")
