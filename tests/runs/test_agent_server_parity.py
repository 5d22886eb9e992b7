"""Three behaviours measured against LangGraph's Agent Server 0.16 (`langgraph dev`, the same
langgraph-sdk calls), which Atrium now shares: a cancel that waits for a rollback completes;
a delayed run starts at its due time, not at the queue's next poll; stream modes `tasks` and
`checkpoints` stream what LangGraph streams."""

from __future__ import annotations

import asyncio
import time

from langgraph_sdk.client import LangGraphClient

from tests.runs.sdk import SCRIPTED, says
from tests.support import Account


async def assistant(client: LangGraphClient, model: str = "scripted/fast") -> str:
    made = await client.assistants.create(graph_id="agent", context={"model": model})
    return str(made["assistant_id"])


async def test_cancel_with_rollback_and_wait_completes(client: LangGraphClient) -> None:
    aid = await assistant(client, "scripted/slow")
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, aid, input=says("kept"))
    before = (await client.threads.get_state(tid))["values"]
    running = await client.runs.create(tid, aid, input=says("undone"))
    await asyncio.sleep(0.3)
    await client.runs.cancel(tid, running["run_id"], wait=True, action="rollback")
    # as on LangGraph's server: the call completes and the run is gone, with its checkpoints
    assert running["run_id"] not in [r["run_id"] for r in await client.runs.list(tid)]
    assert (await client.threads.get_state(tid))["values"] == before
    thread = await client.threads.get(tid)
    assert thread["status"] == "idle" and thread["values"] == before
    # the same for a run that had not started yet
    later = await client.runs.create(tid, aid, input=says("never"), after_seconds=30)
    await client.runs.cancel(tid, later["run_id"], wait=True, action="rollback")
    assert later["run_id"] not in [r["run_id"] for r in await client.runs.list(tid)]
    assert len(await client.runs.list(tid)) == 1  # the first, kept run


async def test_a_delayed_run_starts_when_it_is_due(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    started = time.monotonic()
    run = await client.runs.create(tid, aid, input=says("hi"), after_seconds=1)
    await asyncio.sleep(0.5)
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "pending"
    result = await client.runs.join(tid, run["run_id"])
    elapsed = time.monotonic() - started
    assert result["messages"][-1]["content"] == SCRIPTED
    # LangGraph: 1.9 s. Waiting for the queue's 5 s poll instead took about 5 s.
    assert 1.0 <= elapsed < 3.0, elapsed


async def test_tasks_mode_streams_each_task_start_and_result(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    parts = [p async for p in client.runs.stream(tid, aid, input=says("hi"), stream_mode="tasks")]
    assert {p.event for p in parts} == {"metadata", "tasks", "end"}
    tasks = [p.data for p in parts if p.event == "tasks"]
    starts = [t for t in tasks if "input" in t]
    results = [t for t in tasks if "result" in t]
    assert [t["name"] for t in starts] == ["model"] and [t["name"] for t in results] == ["model"]
    start, result = starts[0], results[0]
    assert start["id"] == result["id"] and start["triggers"]
    assert start["input"]["messages"][-1]["content"] == "hi"
    assert result["error"] is None and result["interrupts"] == []
    assert result["result"]["messages"][-1]["content"] == SCRIPTED


async def test_checkpoints_mode_streams_each_checkpoint(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    parts = [
        p async for p in client.runs.stream(tid, aid, input=says("hi"), stream_mode="checkpoints")
    ]
    assert {p.event for p in parts} == {"metadata", "checkpoints", "end"}
    checkpoints = [p.data for p in parts if p.event == "checkpoints"]
    for checkpoint in checkpoints:
        assert set(checkpoint) >= {"config", "parent_config", "values", "metadata", "next", "tasks"}
        assert checkpoint["config"]["configurable"]["thread_id"] == tid
        assert checkpoint["checkpoint"]["thread_id"] == tid
        assert (
            checkpoint["checkpoint"]["checkpoint_id"]
            == (checkpoint["config"]["configurable"]["checkpoint_id"])
        )
    first, last = checkpoints[0], checkpoints[-1]
    assert first["parent_config"] is None and first["next"] == ["__start__"]
    assert last["next"] == [] and last["values"]["messages"][-1]["content"] == SCRIPTED
    assert [c["metadata"]["step"] for c in checkpoints] == list(range(-1, len(checkpoints) - 1))
    # what was streamed is the thread's history, step by step
    history = await client.threads.get_history(tid, limit=50)
    assert [h["checkpoint"]["checkpoint_id"] for h in reversed(history)] == [
        c["checkpoint"]["checkpoint_id"] for c in checkpoints
    ]
    # and a joining client can ask for the mode too
    rejoined = [
        p
        async for p in client.runs.join_stream(
            tid, parts[0].data["run_id"], stream_mode="checkpoints", last_event_id="0"
        )
    ]
    assert [p.data for p in rejoined if p.event == "checkpoints"] == checkpoints


async def test_debug_checkpoints_name_the_thread_as_the_client_knows_it(
    client: LangGraphClient, account: Account
) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    parts = [p async for p in client.runs.stream(tid, aid, input=says("hi"), stream_mode="debug")]
    debug = [p.data for p in parts if p.event == "debug"]
    assert {d["type"] for d in debug} >= {"checkpoint", "task", "task_result"}
    for d in debug:
        if d["type"] == "checkpoint":
            assert d["payload"]["config"]["configurable"]["thread_id"] == tid
            assert d["payload"]["checkpoint"]["thread_id"] == tid
    # the checkpointer's own key for the thread (`<tenant_id>:<thread_id>`) stays inside
    assert f"{account.tenant_id}:{tid}" not in str(debug)
