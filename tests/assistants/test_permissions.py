"""Who may do what with assistants (DESIGN.md): owners and admins everything; members read
every assistant of the tenant, create, and change only their own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error


async def create(who: Principal, **body: Any) -> str:
    r = await who.http.post("/assistants", json={"graph_id": "agent", **body})
    assert r.status_code == 200, r.text
    return str(r.json()["assistant_id"])


async def test_member_reads_every_assistant(team: Team) -> None:
    aid = await create(team.owner, name="Shared", metadata={"kind": "shared-read"})
    assert (await team.member.http.get(f"/assistants/{aid}")).status_code == 200
    versions = await team.member.http.post(f"/assistants/{aid}/versions", json={})
    assert [v["version"] for v in versions.json()] == [1]
    found = await team.member.http.post(
        "/assistants/search", json={"metadata": {"kind": "shared-read"}}
    )
    assert [a["assistant_id"] for a in found.json()] == [aid]


async def test_member_creates_changes_and_deletes_their_own(team: Team) -> None:
    aid = await create(team.member, name="Mine")
    r = await team.member.http.patch(f"/assistants/{aid}", json={"name": "Still mine"})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await team.member.http.post(f"/assistants/{aid}/latest", json={"version": 1})
    assert r.status_code == 200 and r.json()["name"] == "Mine"
    assert (await team.member.http.delete(f"/assistants/{aid}")).status_code == 204


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_admins_change_and_delete_a_members_assistant(team: Team, role: str) -> None:
    who = team.owner if role == "owner" else team.admin
    aid = await create(team.member, name="Member's")
    r = await who.http.patch(f"/assistants/{aid}", json={"instructions": "Reviewed."})
    assert r.status_code == 200 and r.json()["context"]["instructions"] == "Reviewed."
    assert (await who.http.delete(f"/assistants/{aid}")).status_code == 204


async def test_member_cannot_change_someone_elses_assistant(team: Team) -> None:
    aid = await create(team.owner, tools=[{"name": "calculator", "policy": "ask"}])
    r = await team.member.http.patch(
        f"/assistants/{aid}", json={"tools": [{"name": "calculator", "policy": "allow"}]}
    )
    assert_error(r, 403, "forbidden")


async def test_member_cannot_roll_back_someone_elses_assistant(team: Team) -> None:
    aid = await create(team.admin, name="One")
    await team.admin.http.patch(f"/assistants/{aid}", json={"name": "Two"})
    r = await team.member.http.post(f"/assistants/{aid}/latest", json={"version": 1})
    assert_error(r, 403, "forbidden")


async def test_member_cannot_delete_someone_elses_assistant(team: Team) -> None:
    aid = await create(team.owner)
    assert_error(await team.member.http.delete(f"/assistants/{aid}"), 403, "forbidden")


async def test_member_api_key_reads_and_creates(accounts: Accounts, team: Team) -> None:
    key = accounts.client(await accounts.api_key(team.member), header="x-api-key")
    aid = await create(team.owner, name="For the key")
    assert (await key.get(f"/assistants/{aid}")).status_code == 200
    r = await key.post("/assistants", json={"name": "By a key"})
    assert r.status_code == 200, r.text
