"""Checkpoints follow the thread's transaction: a copy's history and a state update's
checkpoint are undone when the request fails after writing them, and a deleted thread's
checkpoints go once the deletion is committed. In process, with a failure injected into one
collaborator after the checkpoint was written."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI

from atrium.threads.repository import thread_repository
from tests.inprocess import Accounts, Principal

HI = {"messages": [{"role": "user", "content": "hi"}]}


class Injected(Exception):
    """The failure a test provokes."""


def checkpoints_of_tenant(db: psycopg.Connection[Any], tenant_id: str) -> int:
    row = db.execute(
        "SELECT count(*) FROM checkpoints WHERE thread_id LIKE %s", (f"{tenant_id}:%",)
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
async def who(accounts: Accounts) -> Principal:
    return await accounts.register()


async def thread_with_state(who: Principal) -> str:
    tid = str((await who.http.post("/threads", json={})).json()["thread_id"])
    r = await who.http.post(f"/threads/{tid}/state", json={"values": HI})
    assert r.status_code == 200, r.text
    return tid


async def test_a_failed_state_update_leaves_no_checkpoint(
    who: Principal, atrium_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = await thread_with_state(who)
    history = (await who.http.post(f"/threads/{tid}/history", json={})).json()
    agents = atrium_app.state.runtime.agents

    async def broken_state(*args: Any, **kwargs: Any) -> Any:
        raise Injected("after the checkpoint was written")

    with monkeypatch.context() as patched:
        patched.setattr(agents, "state", broken_state)
        more = {"messages": [{"role": "user", "content": "more"}]}
        r = await who.http.post(f"/threads/{tid}/state", json={"values": more})
    assert r.status_code == 500
    assert (await who.http.post(f"/threads/{tid}/history", json={})).json() == history
    thread = (await who.http.get(f"/threads/{tid}")).json()
    assert [m["content"] for m in thread["values"]["messages"]] == ["hi"]


async def test_a_failed_copy_leaves_no_checkpoints(
    who: Principal, db: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = await thread_with_state(who)
    before = checkpoints_of_tenant(db, who.tenant_id)

    async def broken_add(*args: Any, **kwargs: Any) -> None:
        raise Injected("after the history was copied")

    with monkeypatch.context() as patched:
        patched.setattr(thread_repository, "add", broken_add)
        r = await who.http.post(f"/threads/{tid}/copy")
    assert r.status_code == 500
    assert checkpoints_of_tenant(db, who.tenant_id) == before
    assert len((await who.http.post("/threads/search", json={})).json()) == 1
    copied = await who.http.post(f"/threads/{tid}/copy")
    assert copied.status_code == 200
    assert checkpoints_of_tenant(db, who.tenant_id) == 2 * before


async def test_a_deleted_threads_checkpoints_go_after_the_commit(
    who: Principal, db: psycopg.Connection[Any]
) -> None:
    tid = await thread_with_state(who)
    assert checkpoints_of_tenant(db, who.tenant_id) > 0
    assert (await who.http.delete(f"/threads/{tid}")).status_code == 204
    assert (await who.http.get(f"/threads/{tid}")).status_code == 404
    for _ in range(50):  # removed in the background once the deletion committed
        if checkpoints_of_tenant(db, who.tenant_id) == 0:
            break
        await asyncio.sleep(0.05)
    assert checkpoints_of_tenant(db, who.tenant_id) == 0
