"""Runs follow their threads (DESIGN.md: members, their own threads and runs only): cancel,
delete and join reach only runs of threads the caller can see, and a run's steps never
exceed its assistant's (issue 9, finding 2)."""

from __future__ import annotations

from typing import Any

from tests.inprocess import Principal, Team, assert_error

# Due in an hour: the run stays pending for as long as a test needs it.
LATER = {"assistant_id": "agent", "input": {"messages": []}, "after_seconds": 3600}


async def pending_run(who: Principal) -> tuple[str, str]:
    thread = await who.http.post("/threads", json={})
    assert thread.status_code == 200, thread.text
    tid = thread.json()["thread_id"]
    r = await who.http.post(f"/threads/{tid}/runs", json=LATER)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending"
    return tid, str(r.json()["run_id"])


async def status_of(who: Principal, tid: str, rid: str) -> str:
    r = await who.http.get(f"/threads/{tid}/runs/{rid}")
    assert r.status_code == 200, r.text
    return str(r.json()["status"])


async def test_a_members_cancel_all_leaves_colleagues_runs(team: Team) -> None:
    theirs = await pending_run(team.other_member)
    mine = await pending_run(team.member)
    r = await team.member.http.post(
        "/runs/cancel", params={"action": "rollback"}, json={"status": "pending"}
    )
    assert r.status_code == 204, r.text
    assert_error(await team.member.http.get(f"/threads/{mine[0]}/runs/{mine[1]}"), 404, "not_found")
    assert await status_of(team.other_member, *theirs) == "pending"
    # Named by id, a colleague's run is as absent as a missing one.
    r = await team.member.http.post(
        "/runs/cancel", params={"action": "rollback"}, json={"run_ids": [theirs[1]]}
    )
    assert_error(r, 404, "not_found")
    r = await team.member.http.post("/runs/cancel", json={"thread_id": theirs[0]})
    assert_error(r, 404, "not_found")
    assert await status_of(team.other_member, *theirs) == "pending"
    # An admin reaches every run of the tenant.
    r = await team.admin.http.post(
        "/runs/cancel", params={"action": "rollback"}, json={"run_ids": [theirs[1]]}
    )
    assert r.status_code == 204, r.text


async def test_a_member_cannot_cancel_join_or_delete_a_colleagues_run(team: Team) -> None:
    tid, rid = await pending_run(team.other_member)
    base = f"/threads/{tid}/runs/{rid}"
    for method, path in (
        ("POST", f"{base}/cancel"),
        ("GET", f"{base}/join"),
        ("GET", f"{base}/stream"),
        ("DELETE", base),
        ("GET", base),
    ):
        r = await team.member.http.request(method, path)
        assert_error(r, 404, "not_found")
    assert await status_of(team.other_member, tid, rid) == "pending"
    r = await team.other_member.http.post(f"{base}/cancel", params={"action": "rollback"})
    assert r.status_code in (200, 202, 204), r.text


async def kwargs(who: Principal, body: dict[str, Any]) -> dict[str, Any]:
    thread = await who.http.post("/threads", json={})
    tid = thread.json()["thread_id"]
    r = await who.http.post(f"/threads/{tid}/runs", json={**LATER, **body})
    assert r.status_code == 200, r.text
    await who.http.post(f"/threads/{tid}/runs/{r.json()['run_id']}/cancel?action=rollback")
    return dict(r.json()["kwargs"])


async def test_a_clients_recursion_limit_never_exceeds_the_assistants(team: Team) -> None:
    made = await team.member.http.post("/assistants", json={"name": "Short", "max_steps": 2})
    assert made.status_code == 200, made.text
    aid = made.json()["assistant_id"]
    high = await kwargs(team.member, {"assistant_id": aid, "config": {"recursion_limit": 1000}})
    assert high["config"]["recursion_limit"] == 5  # 2 steps: 2 supersteps each, plus the end
    low = await kwargs(team.member, {"assistant_id": aid, "config": {"recursion_limit": 3}})
    assert low["config"]["recursion_limit"] == 3
    # Nor through the run's context, which is merged over the assistant's.
    wider = await kwargs(team.member, {"assistant_id": aid, "context": {"max_steps": 100}})
    assert wider["context"]["max_steps"] == 2
    # The system assistant's limit is the default's (25 steps).
    default = await kwargs(team.member, {"config": {"recursion_limit": 1000}})
    assert default["config"]["recursion_limit"] == 51


async def test_a_runs_context_cannot_loosen_the_assistants_tools(team: Team) -> None:
    made = await team.owner.http.post(
        "/assistants",
        json={"name": "Careful", "tools": [{"name": "calculator", "policy": "ask"}]},
    )
    assert made.status_code == 200, made.text
    aid = made.json()["assistant_id"]
    thread = (await team.member.http.post("/threads", json={})).json()["thread_id"]
    for tools in (
        [{"name": "calculator", "policy": "allow"}],  # an `ask` turned into `allow`
        [{"name": "http_fetch", "policy": "allow"}],  # a tool the assistant does not have
    ):
        r = await team.member.http.post(
            f"/threads/{thread}/runs",
            json={**LATER, "assistant_id": aid, "context": {"tools": tools}},
        )
        assert_error(r, 403, "forbidden", "context.tools")
    # Stricter is always allowed; who may change the assistant may loosen it for a run.
    stricter = {"tools": [{"name": "calculator", "policy": "deny"}]}
    ran = await kwargs(team.member, {"assistant_id": aid, "context": stricter})
    assert ran["context"]["tools"] == [{"name": "calculator", "policy": "deny", "config": {}}]
    looser = {"tools": [{"name": "calculator", "policy": "allow"}]}
    ran = await kwargs(team.admin, {"assistant_id": aid, "context": looser})
    assert ran["context"]["tools"][0]["policy"] == "allow"
