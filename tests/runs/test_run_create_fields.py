"""Every field of a run-create body is honoured as LangGraph's Agent Server honours it, or
refused with a 422 that names it: `checkpoint_id` / `checkpoint`, `durability` (and its old
name `checkpoint_during`), `context`, `stream_subgraphs`, `stream_resumable`. Through the
unmodified langgraph-sdk."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from tests.runs.sdk import SCRIPTED, says


async def assistant(client: LangGraphClient, **context: Any) -> str:
    made = await client.assistants.create(
        graph_id="agent", context={"model": "scripted/fast", **context}
    )
    return str(made["assistant_id"])


def as_object(value: object) -> dict[str, Any]:
    """A JSON object that the SDK types loosely (a run's output, a run, a context)."""
    assert isinstance(value, dict), value
    return value


async def kwargs_of_last_run(client: LangGraphClient, thread_id: str) -> dict[str, Any]:
    """The latest run's `kwargs` (not in the SDK's `Run` type, though its server sends it)."""
    run = (await client.runs.list(thread_id))[0]
    return as_object(as_object(run)["kwargs"])


def contents(state: Any) -> list[str]:
    return [m["content"] for m in state["messages"]]


def refused(caught: pytest.ExceptionInfo[httpx.HTTPStatusError], field: str) -> None:
    response = caught.value.response
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["field"] == field, error


async def test_checkpoint_id_starts_the_run_from_that_checkpoint(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, aid, input=says("first"))
    after_first = (await client.threads.get_state(tid))["checkpoint"]["checkpoint_id"]
    await client.runs.wait(tid, aid, input=says("second"))
    forked = await client.runs.wait(tid, aid, input=says("third"), checkpoint_id=after_first)
    assert contents(forked) == ["first", SCRIPTED, "third", SCRIPTED]
    state = await client.threads.get_state(tid)
    assert contents(state["values"]) == ["first", SCRIPTED, "third", SCRIPTED]
    assert (await client.threads.get(tid))["values"] == state["values"]
    # the same through `checkpoint` (LangGraph's other spelling)
    again = await client.runs.wait(
        tid,
        aid,
        input=says("fourth"),
        checkpoint={
            "thread_id": tid,
            "checkpoint_ns": "",
            "checkpoint_id": after_first,
            "checkpoint_map": None,
        },
    )
    assert contents(again) == ["first", SCRIPTED, "fourth", SCRIPTED]
    # the branch that was left is still in the history
    history = await client.threads.get_history(tid, limit=50)
    assert any("second" in contents(h["values"]) for h in history if h["values"])


async def test_an_unknown_checkpoint_is_not_found(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await client.runs.create(
            tid, aid, input=says("x"), checkpoint_id="1f0c0000-0000-6000-8000-000000000000"
        )
    assert missing.value.response.status_code == 404
    assert missing.value.response.json()["error"]["field"] == "checkpoint_id"
    assert await client.runs.list(tid) == []
    with pytest.raises(httpx.HTTPStatusError) as no_state:
        await client.threads.get_state(tid, checkpoint_id="1f0c0000-0000-6000-8000-000000000000")
    assert no_state.value.response.status_code == 404


async def test_durability_decides_which_steps_are_checkpointed(client: LangGraphClient) -> None:
    aid = await assistant(client)
    counts = {}
    for durability in ("sync", "async", "exit"):
        tid = (await client.threads.create())["thread_id"]
        result = await client.runs.wait(tid, aid, input=says("hi"), durability=durability)
        assert contents(result) == ["hi", SCRIPTED]
        counts[durability] = len(await client.threads.get_history(tid, limit=50))
        state = await client.threads.get_state(tid)
        assert contents(state["values"]) == ["hi", SCRIPTED]
    # "exit" writes only the final state; the others every step (input, model)
    assert counts["sync"] == counts["async"] > counts["exit"] >= 1, counts
    assert (await kwargs_of_last_run(client, tid))["durability"] == "exit"
    with pytest.raises(httpx.HTTPStatusError) as bad:
        await client.runs.create(tid, aid, input=says("x"), durability="sometimes")  # type: ignore[call-overload]
    refused(bad, "body.durability")


async def test_checkpoint_during_is_the_old_name_of_durability(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    with pytest.warns(DeprecationWarning, match="checkpoint_during"):  # the SDK's own warning
        await client.runs.wait(tid, aid, input=says("hi"), checkpoint_during=False)
    assert (await kwargs_of_last_run(client, tid))["durability"] == "exit"


async def test_context_is_merged_over_the_assistants(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    ask = says('call calculator {"expression": "6*7"}')
    # The assistant offers no tool; the run's context adds one that must be approved.
    await client.runs.wait(
        tid, aid, input=ask, context=as_object({"tools": [{"name": "calculator", "policy": "ask"}]})
    )
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted"
    # A run without that context falls back to the assistant's: no tool to call.
    other = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(other, aid, input=ask)
    assert (await client.threads.get(other))["status"] == "idle"
    tool = [m for m in as_object(result)["messages"] if m["type"] == "tool"]
    assert "not available" in tool[0]["content"]
    assert (await kwargs_of_last_run(client, tid))["context"] == {
        "tools": [{"name": "calculator", "policy": "ask", "config": {}}]
    }


async def test_a_context_the_assistant_would_refuse_is_refused(client: LangGraphClient) -> None:
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(httpx.HTTPStatusError) as hot:
        await client.runs.create(tid, aid, input=says("x"), context={"temperature": 9})
    refused(hot, "body.context.temperature")
    with pytest.raises(httpx.HTTPStatusError) as unknown:
        await client.runs.create(tid, aid, input=says("x"), context={"colour": "blue"})
    refused(unknown, "body.context.colour")
    assert await client.runs.list(tid) == []


async def test_stream_subgraphs_streams_the_same_events(client: LangGraphClient) -> None:
    # The `agent` graph has no subgraphs: every event is the root graph's, unnamespaced.
    aid = await assistant(client)
    tid = (await client.threads.create())["thread_id"]
    parts = [
        p
        async for p in client.runs.stream(
            tid, aid, input=says("hi"), stream_mode=["values", "updates"], stream_subgraphs=True
        )
    ]
    assert {p.event for p in parts} == {"metadata", "values", "updates", "end"}
    assert parts[-2].data["messages"][-1]["content"] == SCRIPTED
    assert (await kwargs_of_last_run(client, tid))["stream_subgraphs"] is True


async def test_a_resumable_stream_resumes(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    tid = (await client.threads.create())["thread_id"]
    seen = []
    async for part in client.runs.stream(
        tid, aid, input=says("hi"), stream_mode="messages-tuple", stream_resumable=True
    ):
        seen.append(part)
        if part.event == "messages":
            break  # the client drops the stream mid-run
    run_id = seen[0].data["run_id"]
    rest = [p async for p in client.runs.join_stream(tid, run_id, last_event_id=str(seen[-1].id))]
    assert rest[-1].event == "end" and rest[-1].data["status"] == "success"
    text = "".join(p.data[0]["content"] for p in seen + rest if p.event == "messages")
    assert text == SCRIPTED
    run = as_object(await client.runs.get(tid, run_id))
    assert run["kwargs"]["stream_resumable"] is True
