"""Who may do what with the tenant itself, its plan, members and invitations (DESIGN.md):
owners everything; admins all but owners and the plan; members read."""

from __future__ import annotations

import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error
from tests.support import unique_email


def person(team: Team, role: str) -> Principal:
    return {"owner": team.owner, "admin": team.admin, "member": team.member}[role]


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
async def test_everyone_reads_the_tenant_plan_and_members(team: Team, role: str) -> None:
    who = person(team, role)
    tenant = (await who.http.get("/tenants/current")).json()
    assert tenant["id"] == team.owner.tenant_id
    assert (await who.http.get("/tenants/plan")).json()["id"] == "premium"
    assert len((await who.http.get("/tenants/plans")).json()) >= 3
    members = (await who.http.get("/tenants/current/members")).json()
    assert {m["user_id"]: m["role"] for m in members["items"]} == {
        team.owner.user_id: "owner",
        team.admin.user_id: "admin",
        team.member.user_id: "member",
        team.other_member.user_id: "member",
    }


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("member", 403)])
async def test_renaming_the_tenant(team: Team, role: str, status: int) -> None:
    r = await person(team, role).http.patch("/tenants/current", json={"name": f"By {role}"})
    assert r.status_code == status, r.text
    if status == 403:
        assert_error(r, 403, "forbidden")
        assert (await team.owner.http.get("/tenants/current")).json()["name"] != "By member"


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 403), ("member", 403)])
async def test_only_owners_change_the_plan(team: Team, role: str, status: int) -> None:
    # The tenant is on Premium already: the owner's request is granted without payment.
    r = await person(team, role).http.post("/tenants/subscribe", json={"plan_id": "premium"})
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json() == {
            "status": "active",
            "plan_id": "premium",
            "checkout_url": None,
            "checkout_session_id": None,
        }


async def test_an_owners_api_key_cannot_change_the_plan(accounts: Accounts, team: Team) -> None:
    key = accounts.client(await accounts.api_key(team.owner, role="admin"), header="x-api-key")
    assert_error(await key.post("/tenants/subscribe", json={"plan_id": "basic"}), 403, "forbidden")
    assert (await team.owner.http.get("/tenants/plan")).json()["id"] == "premium"


async def test_unknown_plan_is_refused_naming_the_field(team: Team) -> None:
    r = await team.owner.http.post("/tenants/subscribe", json={"plan_id": "platinum"})
    assert_error(r, 404, "not_found", "plan_id")
    r = await team.owner.http.post("/tenants/subscribe", json={"plan_id": "Gold plan!"})
    assert_error(r, 422, "validation_error", "body.plan_id")


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("member", 403)])
async def test_invitations_are_listed_by_admins(team: Team, role: str, status: int) -> None:
    r = await person(team, role).http.get("/tenants/current/invitations")
    assert r.status_code == status, r.text


async def test_members_cannot_invite(team: Team) -> None:
    r = await team.member.http.post(
        "/tenants/current/members", json={"email": unique_email(), "role": "member"}
    )
    assert_error(r, 403, "forbidden")


async def test_admins_invite_but_not_owners(team: Team) -> None:
    r = await team.admin.http.post(
        "/tenants/current/members", json={"email": unique_email(), "role": "owner"}
    )
    assert_error(r, 403, "forbidden")
    email = unique_email()
    r = await team.admin.http.post(
        "/tenants/current/members", json={"email": email, "role": "admin"}
    )
    assert r.status_code == 201, r.text
    invitation = r.json()
    assert invitation["email"] == email and "token" not in invitation
    again = await team.admin.http.post(
        "/tenants/current/members", json={"email": email, "role": "member"}
    )
    assert_error(again, 409, "conflict", "email")
    revoked = await team.member.http.delete(f"/tenants/current/invitations/{invitation['id']}")
    assert_error(revoked, 403, "forbidden")
    done = await team.admin.http.delete(f"/tenants/current/invitations/{invitation['id']}")
    assert done.status_code == 204


async def test_an_existing_member_cannot_be_invited_again(team: Team) -> None:
    r = await team.owner.http.post(
        "/tenants/current/members", json={"email": team.member.email, "role": "admin"}
    )
    assert_error(r, 409, "conflict", "email")


async def test_basic_plan_limits_members(accounts: Accounts, owner: Principal) -> None:
    for _ in range(2):  # the Basic plan allows three members, the owner included
        await accounts.join(owner)
    r = await owner.http.post(
        "/tenants/current/members", json={"email": unique_email(), "role": "member"}
    )
    assert_error(r, 429, "quota_exceeded")


async def test_admin_cannot_demote_or_remove_an_owner(accounts: Accounts, owner: Principal) -> None:
    admin = await accounts.join(owner, role="admin")
    r = await admin.http.patch(f"/tenants/current/members/{owner.user_id}", json={"role": "admin"})
    assert_error(r, 403, "forbidden")
    assert_error(
        await admin.http.delete(f"/tenants/current/members/{owner.user_id}"), 403, "forbidden"
    )
    members = (await owner.http.get("/tenants/current/members")).json()["items"]
    assert {m["user_id"]: m["role"] for m in members}[owner.user_id] == "owner"


async def test_unknown_member_is_not_found(accounts: Accounts, owner: Principal) -> None:
    stranger = await accounts.register()
    r = await owner.http.patch(
        f"/tenants/current/members/{stranger.user_id}", json={"role": "admin"}
    )
    assert_error(r, 404, "not_found")
    assert_error(
        await owner.http.delete(f"/tenants/current/members/{stranger.user_id}"), 404, "not_found"
    )
