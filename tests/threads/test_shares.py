"""Read-only share links: whoever sees a thread makes, lists and revokes its links; any
member of the tenant reads the thread through a live link (even one who cannot see the
thread itself); another tenant's user, a revoked link and a missing one get the same 404."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error

CHAT = {
    "messages": [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "It is **Paris**."},
    ]
}


async def thread(who: Principal, title: str = "Capitals") -> str:
    r = await who.http.post("/threads", json={"metadata": {"title": title}})
    assert r.status_code == 200, r.text
    tid = str(r.json()["thread_id"])
    r = await who.http.post(f"/threads/{tid}/state", json={"values": CHAT})
    assert r.status_code == 200, r.text
    return tid


async def share(who: Principal, tid: str) -> dict[str, Any]:
    r = await who.http.post(f"/threads/{tid}/shares")
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_create_list_and_revoke(team: Team) -> None:
    tid = await thread(team.member)
    link = await share(team.member, tid)
    assert link["thread_id"] == tid and link["revoked_at"] is None
    assert link["created_by"] == team.member.user_id
    assert link["url"].endswith(f"/app/shared/{link['id']}")
    newer = await share(team.member, tid)
    listed = (await team.member.http.get(f"/threads/{tid}/shares")).json()
    assert [x["id"] for x in listed] == [newer["id"], link["id"]]

    r = await team.member.http.delete(f"/threads/{tid}/shares/{link['id']}")
    assert r.status_code == 204, r.text
    listed = (await team.member.http.get(f"/threads/{tid}/shares")).json()
    revoked = {x["id"]: x["revoked_at"] for x in listed}
    assert revoked[link["id"]] is not None and revoked[newer["id"]] is None
    # Revoking twice changes nothing; the revoked link answers as a missing one.
    again = await team.member.http.delete(f"/threads/{tid}/shares/{link['id']}")
    assert again.status_code == 204
    listed_again = (await team.member.http.get(f"/threads/{tid}/shares")).json()
    assert {x["id"]: x["revoked_at"] for x in listed_again} == revoked
    gone = await team.other_member.http.get(f"/shares/{link['id']}")
    missing = await team.other_member.http.get(f"/shares/{uuid.uuid4()}")
    assert_error(gone, 404, "not_found")
    assert gone.json() == missing.json()
    assert (await team.other_member.http.get(f"/shares/{newer['id']}")).status_code == 200
    # Who widened (and narrowed) the readers of a thread is in the tenant's audit log.
    log = await team.owner.http.get("/tenants/current/audit-log", params={"limit": 100})
    trail = [
        (e["action"], e["actor_user_id"])
        for e in log.json()["items"]
        if e["target_id"] == link["id"]
    ]
    assert sorted(trail) == [
        ("thread_share.created", team.member.user_id),
        ("thread_share.revoked", team.member.user_id),
    ]


async def test_another_member_reads_by_link_but_not_by_thread_id(team: Team) -> None:
    tid = await thread(team.member, title="Capitals of Europe")
    link = await share(team.member, tid)
    r = await team.other_member.http.get(f"/shares/{link['id']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["share_id"] == link["id"] and body["title"] == "Capitals of Europe"
    assert [(m["role"], m["text"]) for m in body["messages"]] == [
        ("user", "What is the capital of France?"),
        ("assistant", "It is **Paris**."),
    ]
    assert "thread_id" not in body  # nothing to act on
    # The thread itself stays the member's own.
    for method, path in [
        ("GET", f"/threads/{tid}"),
        ("GET", f"/threads/{tid}/state"),
        ("GET", f"/threads/{tid}/shares"),
        ("POST", f"/threads/{tid}/shares"),
        ("DELETE", f"/threads/{tid}/shares/{link['id']}"),
    ]:
        assert_error(await team.other_member.http.request(method, path), 404, "not_found")
    # Owners and admins, who see every thread, read it by link too.
    for who in (team.owner, team.admin):
        assert (await who.http.get(f"/shares/{link['id']}")).json() == body


async def test_revoked_by_its_maker_or_an_admin_only(team: Team) -> None:
    tid = await thread(team.member)
    by_admin = await share(team.admin, tid)
    # The thread's owner sees the admin's link but may not revoke it.
    r = await team.member.http.delete(f"/threads/{tid}/shares/{by_admin['id']}")
    assert_error(r, 403, "forbidden")
    assert (await team.member.http.get(f"/shares/{by_admin['id']}")).status_code == 200
    by_member = await share(team.member, tid)
    for who, link in ((team.owner, by_member), (team.admin, by_admin)):
        r = await who.http.delete(f"/threads/{tid}/shares/{link['id']}")
        assert r.status_code == 204, r.text
    # A link of one thread is not revoked through another thread's path.
    other = await thread(team.member)
    live = await share(team.member, tid)
    r = await team.member.http.delete(f"/threads/{other}/shares/{live['id']}")
    assert_error(r, 404, "not_found")
    assert (await team.other_member.http.get(f"/shares/{live['id']}")).status_code == 200


async def test_another_tenant_gets_404_like_a_missing_link(team: Team, accounts: Accounts) -> None:
    tid = await thread(team.member)
    link = await share(team.member, tid)
    stranger = await accounts.tenant()
    foreign = await stranger.http.get(f"/shares/{link['id']}")
    missing = await stranger.http.get(f"/shares/{uuid.uuid4()}")
    malformed = await stranger.http.get("/shares/not-a-link")
    assert_error(foreign, 404, "not_found")
    assert foreign.json() == missing.json() == malformed.json()
    for method, path in [
        ("GET", f"/threads/{tid}/shares"),
        ("POST", f"/threads/{tid}/shares"),
        ("DELETE", f"/threads/{tid}/shares/{link['id']}"),
    ]:
        assert_error(await stranger.http.request(method, path), 404, "not_found")
    assert (await team.other_member.http.get(f"/shares/{link['id']}")).status_code == 200


async def test_signed_out_callers_get_401(team: Team, accounts: Accounts) -> None:
    tid = await thread(team.member)
    link = await share(team.member, tid)
    r = await accounts.client().get(f"/shares/{link['id']}")
    assert r.status_code == 401, r.text


async def test_member_api_key_opens_a_link(team: Team, accounts: Accounts) -> None:
    tid = await thread(team.member)
    link = await share(team.member, tid)
    key = accounts.client(await accounts.api_key(team.other_member), header="x-api-key")
    r = await key.get(f"/shares/{link['id']}")
    assert r.status_code == 200 and r.json()["title"] == "Capitals", r.text


async def test_deleting_the_thread_ends_its_links(team: Team) -> None:
    tid = await thread(team.member)
    link = await share(team.member, tid)
    assert (await team.member.http.delete(f"/threads/{tid}")).status_code == 204
    assert_error(await team.other_member.http.get(f"/shares/{link['id']}"), 404, "not_found")


async def test_an_empty_thread_shares_no_messages(team: Team) -> None:
    r = await team.member.http.post("/threads", json={})
    tid = r.json()["thread_id"]
    link = await share(team.member, tid)
    body = (await team.other_member.http.get(f"/shares/{link['id']}")).json()
    assert (body["title"], body["messages"]) == (None, [])


@pytest.mark.parametrize("context", ["other", "none"])
async def test_rows_are_isolated_by_the_database(
    team: Team, accounts: Accounts, app_dsn: str, context: str
) -> None:
    """Under the application role, another tenant's context (or none) sees no link of this
    tenant's and cannot write one into it."""
    tid = await thread(team.member)
    link = await share(team.member, tid)
    stranger = await accounts.tenant()
    tenant = stranger.tenant_id if context == "other" else ""
    with psycopg.connect(app_dsn) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        row = conn.execute(
            "SELECT count(*) FROM thread_shares WHERE tenant_id = %s", (team.owner.tenant_id,)
        ).fetchone()
        assert row == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO thread_shares (tenant_id, thread_id) VALUES (%s, %s)",
                (team.owner.tenant_id, tid),
            )
    with psycopg.connect(app_dsn) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (team.owner.tenant_id,))
        counted = conn.execute(
            "SELECT count(*) FROM thread_shares WHERE id = %s", (link["id"],)
        ).fetchone()
        assert counted == (1,)


async def test_a_thread_has_at_most_twenty_live_links(team: Team) -> None:
    tid = await thread(team.member)
    made = [await share(team.member, tid) for _ in range(20)]
    assert_error(await team.member.http.post(f"/threads/{tid}/shares"), 409, "conflict")
    r = await team.member.http.delete(f"/threads/{tid}/shares/{made[0]['id']}")
    assert r.status_code == 204
    await share(team.member, tid)
