"""Who may make and revoke which API keys (DESIGN.md): owners and admins their own and all;
members their own, with a role no higher than theirs. Keys never make keys."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error


async def make(who: Principal, role: str = "member") -> dict[str, Any]:
    r = await who.http.post("/api-keys", json={"name": f"{role} key", "role": role})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_member_makes_member_keys_only(team: Team) -> None:
    made = await make(team.member)
    assert made["role"] == "member" and made["key"].startswith("atr_")
    r = await team.member.http.post("/api-keys", json={"name": "x", "role": "admin"})
    assert_error(r, 403, "forbidden")


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_admins_make_admin_keys(team: Team, role: str) -> None:
    who = team.owner if role == "owner" else team.admin
    assert (await make(who, "admin"))["role"] == "admin"


async def test_a_key_cannot_make_a_key(accounts: Accounts, team: Team) -> None:
    key = accounts.client((await make(team.admin, "admin"))["key"], header="x-api-key")
    assert_error(await key.post("/api-keys", json={"name": "child"}), 403, "forbidden")


async def test_secrets_are_never_listed(team: Team) -> None:
    made = await make(team.owner)
    r = await team.owner.http.get("/api-keys", params={"limit": 200})
    assert r.status_code == 200, r.text
    [listed] = [k for k in r.json()["items"] if k["id"] == made["id"]]
    assert "key" not in listed and made["key"] not in r.text
    assert listed["prefix"] == made["prefix"] and made["key"].endswith(listed["prefix"][-6:])


async def test_member_revokes_their_own_key_only(accounts: Accounts, team: Team) -> None:
    own = await make(team.member)
    theirs = await make(team.other_member)
    r = await team.member.http.delete(f"/api-keys/{theirs['id']}")
    assert_error(r, 403, "forbidden")
    still = accounts.client(theirs["key"], header="x-api-key")
    assert (await still.get("/tenants/current")).status_code == 200
    assert (await team.member.http.delete(f"/api-keys/{own['id']}")).status_code == 204


async def test_admin_revokes_a_members_key_which_stops_at_once(
    accounts: Accounts, team: Team
) -> None:
    made = await make(team.member)
    key = accounts.client(made["key"], header="x-api-key")
    assert (await key.get("/tenants/current")).status_code == 200
    assert (await team.admin.http.delete(f"/api-keys/{made['id']}")).status_code == 204
    assert_error(await key.get("/tenants/current"), 401, "unauthorized")
    assert_error(await team.admin.http.delete(f"/api-keys/{made['id']}"), 404, "not_found")


async def test_member_lists_their_own_keys_only(team: Team) -> None:
    theirs = await make(team.other_member)
    r = await team.member.http.get("/api-keys", params={"limit": 200})
    assert r.status_code == 200, r.text
    assert theirs["id"] not in {k["id"] for k in r.json()["items"]}


async def test_other_tenants_key_is_not_found(accounts: Accounts, owner: Principal) -> None:
    stranger = await accounts.register()
    made = await make(owner)
    assert_error(await stranger.http.delete(f"/api-keys/{made['id']}"), 404, "not_found")
    listed = (await stranger.http.get("/api-keys")).json()
    assert made["id"] not in {k["id"] for k in listed["items"]}
    assert_error(await owner.http.delete(f"/api-keys/{uuid.uuid4()}"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "x" * 201}, "body.name"),
        ({"name": "k", "role": "owner"}, "body.role"),
        ({"name": "k", "expires_in_days": 0}, "body.expires_in_days"),
        ({"name": "k", "expires_in_days": 3651}, "body.expires_in_days"),
        ({"name": "k", "tenant_id": str(uuid.uuid4())}, "body.tenant_id"),
    ],
)
async def test_bad_fields_are_named(owner: Principal, body: dict[str, Any], field: str) -> None:
    r = await owner.http.post("/api-keys", json=body)
    assert_error(r, 422, "validation_error", field)
