"""Threads: create, read, change, copy, delete, search and count; their state and history."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.inprocess import Accounts, Principal, assert_error

HI = {"messages": [{"role": "user", "content": "hi"}]}


async def create(who: Principal, **body: Any) -> dict[str, Any]:
    r = await who.http.post("/threads", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_create_and_get(owner: Principal) -> None:
    made = await create(owner, metadata={"topic": "tax"})
    assert made["status"] == "idle"
    assert (made["metadata"], made["values"], made["interrupts"]) == ({"topic": "tax"}, None, {})
    r = await owner.http.get(f"/threads/{made['thread_id']}")
    assert r.status_code == 200 and r.json() == made


async def test_chosen_id_twice_conflicts_unless_asked_to_do_nothing(owner: Principal) -> None:
    tid = str(uuid.uuid4())
    made = await create(owner, thread_id=tid, metadata={"n": 1})
    assert made["thread_id"] == tid
    assert_error(await owner.http.post("/threads", json={"thread_id": tid}), 409, "conflict")
    kept = await create(owner, thread_id=tid, metadata={"n": 2}, if_exists="do_nothing")
    assert kept["metadata"] == {"n": 1}


async def test_patch_merges_metadata(owner: Principal) -> None:
    tid = (await create(owner, metadata={"a": 1}))["thread_id"]
    r = await owner.http.patch(f"/threads/{tid}", json={"metadata": {"b": 2}})
    assert r.status_code == 200 and r.json()["metadata"] == {"a": 1, "b": 2}
    minimal = await owner.http.patch(
        f"/threads/{tid}", json={"metadata": {"c": 3}}, headers={"Prefer": "return=minimal"}
    )
    assert minimal.status_code == 204 and minimal.content == b""
    assert (await owner.http.get(f"/threads/{tid}")).json()["metadata"] == {
        "a": 1,
        "b": 2,
        "c": 3,
    }


async def test_delete(owner: Principal) -> None:
    tid = (await create(owner))["thread_id"]
    assert (await owner.http.delete(f"/threads/{tid}")).status_code == 204
    assert_error(await owner.http.get(f"/threads/{tid}"), 404, "not_found")
    assert_error(await owner.http.delete(f"/threads/{tid}"), 404, "not_found")
    assert_error(await owner.http.get(f"/threads/{tid}/state"), 404, "not_found")


async def test_search_and_count(owner: Principal) -> None:
    tag = uuid.uuid4().hex
    first = await create(owner, metadata={"tag": tag, "n": 1})
    second = await create(owner, metadata={"tag": tag, "n": 2})
    await create(owner, metadata={"tag": "other"})
    r = await owner.http.post(
        "/threads/search", json={"metadata": {"tag": tag}, "sort_by": "created_at"}
    )
    assert [t["thread_id"] for t in r.json()] == [second["thread_id"], first["thread_id"]]
    asc = await owner.http.post(
        "/threads/search",
        json={"metadata": {"tag": tag}, "sort_by": "created_at", "sort_order": "asc", "limit": 1},
    )
    assert [t["thread_id"] for t in asc.json()] == [first["thread_id"]]
    by_id = await owner.http.post(
        "/threads/search", json={"ids": [first["thread_id"]], "select": ["thread_id", "status"]}
    )
    assert by_id.json() == [{"thread_id": first["thread_id"], "status": "idle"}]
    assert (await owner.http.post("/threads/count", json={"metadata": {"tag": tag}})).json() == 2
    busy = await owner.http.post("/threads/count", json={"status": "busy"})
    assert busy.json() == 0


async def test_state_of_a_new_thread_is_empty(owner: Principal) -> None:
    tid = (await create(owner))["thread_id"]
    r = await owner.http.get(f"/threads/{tid}/state")
    assert r.status_code == 200, r.text
    state = r.json()
    assert (state["values"], state["next"], state["checkpoint_id"]) == ({}, [], None)
    history = await owner.http.post(f"/threads/{tid}/history", json={})
    assert history.status_code == 200 and history.json() == []


async def test_state_written_then_read_back_with_its_history(owner: Principal) -> None:
    tid = (await create(owner))["thread_id"]
    r = await owner.http.post(f"/threads/{tid}/state", json={"values": HI})
    assert r.status_code == 200, r.text
    checkpoint_id = r.json()["checkpoint_id"]
    state = (await owner.http.get(f"/threads/{tid}/state")).json()
    assert state["checkpoint_id"] == checkpoint_id
    assert [(m["type"], m["content"]) for m in state["values"]["messages"]] == [("human", "hi")]
    at = await owner.http.get(f"/threads/{tid}/state/{checkpoint_id}")
    assert at.status_code == 200 and at.json()["checkpoint_id"] == checkpoint_id
    history = (await owner.http.post(f"/threads/{tid}/history", json={})).json()
    assert history[0]["checkpoint_id"] == checkpoint_id
    thread = (await owner.http.get(f"/threads/{tid}")).json()
    assert [m["content"] for m in thread["values"]["messages"]] == ["hi"]


async def test_unknown_checkpoint_is_not_found(owner: Principal) -> None:
    tid = (await create(owner))["thread_id"]
    await owner.http.post(f"/threads/{tid}/state", json={"values": HI})
    r = await owner.http.get(f"/threads/{tid}/state/{uuid.uuid4()}")
    assert_error(r, 404, "not_found")


async def test_copy_takes_metadata_and_state(owner: Principal) -> None:
    tid = (await create(owner, metadata={"topic": "copy"}))["thread_id"]
    await owner.http.post(f"/threads/{tid}/state", json={"values": HI})
    r = await owner.http.post(f"/threads/{tid}/copy")
    assert r.status_code == 200, r.text
    copy = r.json()
    assert copy["thread_id"] != tid and copy["metadata"] == {"topic": "copy"}
    state = (await owner.http.get(f"/threads/{copy['thread_id']}/state")).json()
    assert [m["content"] for m in state["values"]["messages"]] == ["hi"]
    # the copy is a thread of its own: deleting it leaves the source alone
    assert (await owner.http.delete(f"/threads/{copy['thread_id']}")).status_code == 204
    source = (await owner.http.get(f"/threads/{tid}/state")).json()
    assert [m["content"] for m in source["values"]["messages"]] == ["hi"]


async def test_other_tenants_thread_is_not_found(accounts: Accounts, owner: Principal) -> None:
    stranger = await accounts.register()
    tid = (await create(owner, metadata={"secret": "yes"}))["thread_id"]
    for method, path, body in [
        ("GET", f"/threads/{tid}", None),
        ("PATCH", f"/threads/{tid}", {"metadata": {"x": 1}}),
        ("DELETE", f"/threads/{tid}", None),
        ("POST", f"/threads/{tid}/copy", None),
        ("GET", f"/threads/{tid}/state", None),
        ("POST", f"/threads/{tid}/state", {"values": HI}),
        ("POST", f"/threads/{tid}/history", {}),
    ]:
        assert_error(await stranger.http.request(method, path, json=body), 404, "not_found")
    # the same id cannot be taken in another tenant either, and nothing leaks about it
    assert (await stranger.http.post("/threads/search", json={"ids": [tid]})).json() == []
    assert (await owner.http.get(f"/threads/{tid}")).json()["metadata"] == {"secret": "yes"}


@pytest.mark.parametrize("ref", ["not-a-uuid", str(uuid.uuid4())])
async def test_unknown_ids_are_not_found(owner: Principal, ref: str) -> None:
    assert_error(await owner.http.get(f"/threads/{ref}"), 404, "not_found")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/threads", {"thread_id": "nope"}, "body.thread_id"),
        ("/threads", {"if_exists": "update"}, "body.if_exists"),
        ("/threads", {"metadata": []}, "body.metadata"),
        ("/threads/search", {"limit": 0}, "body.limit"),
        ("/threads/search", {"limit": 1001}, "body.limit"),
        ("/threads/search", {"status": "sleeping"}, "body.status"),
        ("/threads/search", {"colour": "blue"}, "body.colour"),
        ("/threads/count", {"status": "sleeping"}, "body.status"),
    ],
)
async def test_bad_fields_are_named(
    owner: Principal, path: str, body: dict[str, Any], field: str
) -> None:
    assert_error(await owner.http.post(path, json=body), 422, "validation_error", field)


async def test_nul_in_state_is_refused_naming_the_field(owner: Principal) -> None:
    tid = (await create(owner))["thread_id"]
    r = await owner.http.post(
        f"/threads/{tid}/state",
        json={"values": {"messages": [{"role": "user", "content": "nul\u0000"}]}},
    )
    assert_error(r, 422, "validation_error")
    assert (await owner.http.get(f"/threads/{tid}/state")).json()["values"] == {}
