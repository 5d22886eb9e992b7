"""Who sees which thread (DESIGN.md): members their own only; owners and admins every thread
of the tenant. Someone else's thread answers 404, exactly like a missing one."""

from __future__ import annotations

import uuid

import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error

HI = {"messages": [{"role": "user", "content": "hi"}]}


async def thread(who: Principal, tag: str) -> str:
    r = await who.http.post("/threads", json={"metadata": {"tag": tag}})
    assert r.status_code == 200, r.text
    return str(r.json()["thread_id"])


async def test_member_sees_only_their_own(team: Team) -> None:
    tag = uuid.uuid4().hex
    mine = await thread(team.member, tag)
    theirs = await thread(team.other_member, tag)
    owners = await thread(team.owner, tag)
    found = await team.member.http.post("/threads/search", json={"metadata": {"tag": tag}})
    assert [t["thread_id"] for t in found.json()] == [mine]
    count = await team.member.http.post("/threads/count", json={"metadata": {"tag": tag}})
    assert count.json() == 1
    by_id = await team.member.http.post("/threads/search", json={"ids": [theirs, owners]})
    assert by_id.json() == []


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_admins_see_every_thread(team: Team, role: str) -> None:
    who = team.owner if role == "owner" else team.admin
    tag = uuid.uuid4().hex
    made = {await thread(team.member, tag), await thread(team.other_member, tag)}
    found = await who.http.post("/threads/search", json={"metadata": {"tag": tag}})
    assert {t["thread_id"] for t in found.json()} == made
    count = await who.http.post("/threads/count", json={"metadata": {"tag": tag}})
    assert count.json() == 2
    for tid in made:
        assert (await who.http.get(f"/threads/{tid}/state")).status_code == 200


async def test_someone_elses_thread_is_not_found_and_unchanged(team: Team) -> None:
    tid = await thread(team.other_member, "theirs")
    await team.other_member.http.post(f"/threads/{tid}/state", json={"values": HI})
    for method, path, body in [
        ("GET", f"/threads/{tid}", None),
        ("PATCH", f"/threads/{tid}", {"metadata": {"tag": "mine"}}),
        ("DELETE", f"/threads/{tid}", None),
        ("POST", f"/threads/{tid}/copy", None),
        ("GET", f"/threads/{tid}/state", None),
        ("POST", f"/threads/{tid}/state", {"values": HI}),
        ("POST", f"/threads/{tid}/history", {}),
        ("GET", f"/threads/{tid}/runs", None),
    ]:
        r = await team.member.http.request(method, path, json=body)
        assert_error(r, 404, "not_found")
    kept = (await team.other_member.http.get(f"/threads/{tid}")).json()
    assert kept["metadata"] == {"tag": "theirs"}
    history = (await team.other_member.http.post(f"/threads/{tid}/history", json={})).json()
    assert len(history) == 1


async def test_a_taken_id_is_not_handed_over(team: Team) -> None:
    tid = await thread(team.other_member, "theirs")
    r = await team.member.http.post("/threads", json={"thread_id": tid, "if_exists": "do_nothing"})
    assert_error(r, 409, "conflict", "thread_id")


async def test_admin_may_change_and_delete_a_members_thread(team: Team) -> None:
    tid = await thread(team.member, "mine")
    r = await team.admin.http.patch(f"/threads/{tid}", json={"metadata": {"seen": True}})
    assert r.status_code == 200 and r.json()["metadata"] == {"tag": "mine", "seen": True}
    assert (await team.admin.http.delete(f"/threads/{tid}")).status_code == 204
    assert_error(await team.member.http.get(f"/threads/{tid}"), 404, "not_found")


async def test_a_copy_belongs_to_whoever_made_it(team: Team) -> None:
    tid = await thread(team.member, "mine")
    r = await team.admin.http.post(f"/threads/{tid}/copy")
    assert r.status_code == 200, r.text
    copy = r.json()["thread_id"]
    assert_error(await team.member.http.get(f"/threads/{copy}"), 404, "not_found")
    assert (await team.admin.http.get(f"/threads/{copy}")).status_code == 200


async def test_member_api_key_sees_the_members_threads(accounts: Accounts, team: Team) -> None:
    key = accounts.client(await accounts.api_key(team.member), header="x-api-key")
    mine = await thread(team.member, "mine")
    theirs = await thread(team.other_member, "theirs")
    assert (await key.get(f"/threads/{mine}")).status_code == 200
    assert_error(await key.get(f"/threads/{theirs}"), 404, "not_found")
