"""The unmodified `langgraph-sdk` client against a live Atrium: assistants, threads, streamed,
waited and background runs, joins, resumable streams, cancellation, multitask strategies,
interrupts resumed with a command, and history."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.runs.sdk import SCRIPTED
from tests.runs.sdk import says as user_says
from tests.support import Account, api_key, premium, register


def as_object(value: object) -> dict[str, Any]:
    """A JSON object that the SDK types loosely: a run's final state, a context, a run."""
    assert isinstance(value, dict), value
    return value


HI = user_says("hi")


async def assistant(client: LangGraphClient, model: str = "scripted/fast", **context: Any) -> str:
    a = await client.assistants.create(
        graph_id="agent", name="Helper", context={"model": model, **context}
    )
    return str(a["assistant_id"])


async def test_assistant_lifecycle(client: LangGraphClient) -> None:
    a = await client.assistants.create(
        graph_id="agent",
        name="Writer",
        metadata={"team": "docs"},
        context=as_object(
            {
                "model": "scripted/fast",
                "instructions": "Write well.",
                "temperature": 0.2,
                "tools": [{"name": "calculator", "policy": "ask"}],
            }
        ),
    )
    aid = a["assistant_id"]
    assert a["version"] == 1 and as_object(a["context"])["instructions"] == "Write well."
    updated = await client.assistants.update(aid, name="Writer 2", metadata={"tier": "gold"})
    assert updated["version"] == 2 and updated["metadata"] == {"team": "docs", "tier": "gold"}
    versions = await client.assistants.get_versions(aid)
    assert [v["version"] for v in versions] == [2, 1]
    restored = await client.assistants.set_latest(aid, 1)
    assert restored["name"] == "Writer" and restored["version"] == 1
    found = await client.assistants.search(metadata={"team": "docs"})
    assert [x["assistant_id"] for x in found] == [aid]
    assert await client.assistants.count(metadata={"team": "docs"}) == 1
    schemas = await client.assistants.get_schemas(aid)
    assert "instructions" in as_object(schemas["context_schema"])["properties"]
    system = await client.assistants.get("agent")
    assert system["metadata"] == {"created_by": "system"}
    await client.assistants.delete(aid)
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await client.assistants.get(aid)
    assert missing.value.response.status_code == 404


async def test_stream_in_several_modes(client: LangGraphClient) -> None:
    aid = await assistant(client, instructions="Be brief.")
    thread = await client.threads.create(metadata={"topic": "greeting"})
    parts = [
        p
        async for p in client.runs.stream(
            thread["thread_id"], aid, input=HI, stream_mode=["values", "messages-tuple", "updates"]
        )
    ]
    events = [p.event for p in parts]
    assert events[0] == "metadata"
    assert parts[0].data["attempt"] == 1
    assert events[1] == "values" and events[-2] == "values"
    # `end` comes last, with the run's final status
    assert events[-1] == "end" and events.count("end") == 1
    assert parts[-1].data == {"run_id": parts[0].data["run_id"], "status": "success"}
    assert "updates" in events
    tokens = [p.data[0]["content"] for p in parts if p.event == "messages"]
    assert "".join(tokens) == SCRIPTED
    assert parts[-2].data["messages"][-1]["content"] == SCRIPTED
    ids = [int(cast(str, p.id)) for p in parts[:-1]]
    assert parts[-1].id == parts[-2].id  # `end` has no id of its own
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    meta = next(p.data[1] for p in parts if p.event == "messages")
    assert meta["langgraph_node"] == "model" and meta["thread_id"] == thread["thread_id"]
    # the legacy `messages` mode accumulates
    partial = [
        p
        async for p in client.runs.stream(
            thread["thread_id"], aid, input=HI, stream_mode="messages"
        )
    ]
    accumulated = [p.data[0]["content"] for p in partial if p.event == "messages/partial"]
    assert accumulated[-1] == SCRIPTED


async def test_wait_and_state_and_history(client: LangGraphClient) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    result = as_object(await client.runs.wait(thread["thread_id"], aid, input=HI))
    assert [m["type"] for m in result["messages"]] == ["human", "ai"]
    result = as_object(await client.runs.wait(thread["thread_id"], aid, input=user_says("more")))
    assert len(result["messages"]) == 4
    state = await client.threads.get_state(thread["thread_id"])
    assert len(as_object(state["values"])["messages"]) == 4 and state["next"] == []
    assert state["checkpoint"]["thread_id"] == thread["thread_id"]
    history = await client.threads.get_history(thread["thread_id"], limit=3)
    assert len(history) == 3
    assert len(as_object(history[0]["values"])["messages"]) >= len(
        as_object(history[-1]["values"]).get("messages", [])
    )
    older = await client.threads.get_state(
        thread["thread_id"], checkpoint_id=history[-1]["checkpoint"]["checkpoint_id"]
    )
    assert older["checkpoint"]["checkpoint_id"] == history[-1]["checkpoint"]["checkpoint_id"]
    listed = await client.threads.get(thread["thread_id"])
    assert listed["status"] == "idle" and len(as_object(listed["values"])["messages"]) == 4
    runs = await client.runs.list(thread["thread_id"])
    assert [r["status"] for r in runs] == ["success", "success"]


async def test_copy_takes_the_whole_history(client: LangGraphClient) -> None:
    aid = await assistant(client)
    source = (await client.threads.create(metadata={"topic": "copy"}))["thread_id"]
    await client.runs.wait(source, aid, input=HI)
    await client.runs.wait(source, aid, input=user_says("two"))
    history = await client.threads.get_history(source, limit=50)
    # The SDK annotates `copy` as returning None; the Agent Server answers the new thread.
    copy = as_object(await client.threads.copy(source))  # type: ignore[func-returns-value]
    assert copy["thread_id"] != source and copy["metadata"]["topic"] == "copy"
    copied = await client.threads.get_history(copy["thread_id"], limit=50)
    assert len(copied) == len(history) > 2
    assert [h["checkpoint"]["checkpoint_id"] for h in copied] == [
        h["checkpoint"]["checkpoint_id"] for h in history
    ]
    assert all(h["checkpoint"]["thread_id"] == copy["thread_id"] for h in copied)
    old = copied[-2]["checkpoint"]["checkpoint_id"]
    past = await client.threads.get_state(copy["thread_id"], checkpoint_id=old)
    assert past["values"] == history[-2]["values"]
    # the copy goes on by itself; the source is untouched
    result = as_object(await client.runs.wait(copy["thread_id"], aid, input=user_says("three")))
    assert len(result["messages"]) == 6
    state = await client.threads.get_state(source)
    assert len(as_object(state["values"])["messages"]) == 4


async def test_background_run_then_join(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], aid, input=HI)
    assert run["status"] in ("pending", "running")
    result = as_object(await client.runs.join(thread["thread_id"], run["run_id"]))
    assert result["messages"][-1]["content"] == SCRIPTED
    finished = await client.runs.get(thread["thread_id"], run["run_id"])
    assert finished["status"] == "success"
    assert as_object(finished)["usage"]["output_tokens"] > 0


async def test_join_stream_resumes_from_last_event_id(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], aid, input=HI, stream_mode=["messages-tuple", "values"]
    )
    seen: list[Any] = []
    async for part in client.runs.join_stream(
        thread["thread_id"], run["run_id"], last_event_id="0"
    ):
        seen.append(part)
        if sum(1 for p in seen if p.event == "messages") == 4:
            break  # drop the connection mid-run
    cut = seen[-1].id
    rest = [
        p
        async for p in client.runs.join_stream(
            thread["thread_id"], run["run_id"], last_event_id=cut
        )
    ]
    assert rest[-1].event == "end" and rest[-1].data["status"] == "success"
    ids = [int(p.id) for p in seen + rest[:-1]]
    assert ids == list(range(1, len(ids) + 1))  # no loss, no duplicate
    text = "".join(p.data[0]["content"] for p in seen + rest if p.event == "messages")
    assert text == SCRIPTED


async def test_cancel_a_running_run(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], aid, input=HI)
    await asyncio.sleep(0.3)
    await client.runs.cancel(thread["thread_id"], run["run_id"])
    for _ in range(40):
        status = (await client.runs.get(thread["thread_id"], run["run_id"]))["status"]
        if status not in ("pending", "running"):
            break
        await asyncio.sleep(0.05)
    assert status == "interrupted"
    assert (await client.threads.get(thread["thread_id"]))["status"] != "busy"


async def test_multitask_strategies(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    thread = await client.threads.create()
    tid = thread["thread_id"]
    first = await client.runs.create(tid, aid, input=HI)
    with pytest.raises(httpx.HTTPStatusError) as rejected:
        await client.runs.create(tid, aid, input=HI, multitask_strategy="reject")
    assert rejected.value.response.status_code == 409
    second = await client.runs.create(tid, aid, input=HI, multitask_strategy="enqueue")
    await client.runs.join(tid, second["run_id"])
    statuses = {r["run_id"]: r["status"] for r in await client.runs.list(tid)}
    assert statuses[first["run_id"]] == "success" and statuses[second["run_id"]] == "success"
    third = await client.runs.create(tid, aid, input=HI)
    await asyncio.sleep(0.3)
    fourth = await client.runs.create(tid, aid, input=HI, multitask_strategy="interrupt")
    await client.runs.join(tid, fourth["run_id"])
    statuses = {r["run_id"]: r["status"] for r in await client.runs.list(tid)}
    assert statuses[third["run_id"]] == "interrupted"
    assert statuses[fourth["run_id"]] == "success"


async def test_ask_tool_interrupts_and_resumes(
    client: LangGraphClient, db: psycopg.Connection[Any], account: Account
) -> None:
    aid = await assistant(client, tools=[{"name": "calculator", "policy": "ask"}])
    thread = await client.threads.create()
    tid = thread["thread_id"]
    ask = user_says('call calculator {"expression": "6*7"}')
    parts = [
        p async for p in client.runs.stream(tid, aid, input=ask, stream_mode=["updates", "values"])
    ]
    interrupt = next(
        p.data["__interrupt__"] for p in parts if p.event == "updates" and "__interrupt__" in p.data
    )
    assert interrupt[0]["value"]["tool_call"]["name"] == "calculator"
    assert (await client.threads.get(tid))["status"] == "interrupted"
    state = await client.threads.get_state(tid)
    assert state["next"] == ["tools"] and state["interrupts"]
    result = as_object(await client.runs.wait(tid, aid, command={"resume": {"action": "approve"}}))
    tool_messages = [m for m in result["messages"] if m["type"] == "tool"]
    assert tool_messages[-1]["content"] == "42"
    assert result["messages"][-1]["type"] == "ai"
    rows = db.execute(
        "SELECT name, status, approval, output FROM tool_calls WHERE tenant_id = %s",
        (account.tenant_id,),
    ).fetchall()
    assert ("calculator", "success", "approved", "42") in rows
    # a rejected call reaches the model as an error and nothing runs
    waited = as_object(await client.runs.wait(tid, aid, input=ask))
    assert waited["__interrupt__"][0]["value"]["tool_call"]["name"] == "calculator"
    result = as_object(
        await client.runs.wait(
            tid, aid, command={"resume": {"action": "reject", "reason": "not now"}}
        )
    )
    assert "rejected" in [m for m in result["messages"] if m["type"] == "tool"][-1]["content"]


async def test_bad_input(client: LangGraphClient) -> None:
    thread = await client.threads.create()
    aid = await assistant(client)
    with pytest.raises(httpx.HTTPStatusError) as unknown:
        await client.runs.wait(
            thread["thread_id"], "00000000-0000-0000-0000-000000000000", input=HI
        )
    assert unknown.value.response.status_code == 404
    with pytest.raises(httpx.HTTPStatusError) as bad_mode:
        await client.runs.create(thread["thread_id"], aid, input=HI, stream_mode="telepathy")  # type: ignore[arg-type]
    assert bad_mode.value.response.status_code == 400
    with pytest.raises(httpx.HTTPStatusError) as nothing:
        await client.runs.wait(thread["thread_id"], aid, command={"resume": "yes"})
    assert nothing.value.response.status_code == 400
    assert "nothing to resume" in nothing.value.response.text
    with pytest.raises(httpx.HTTPStatusError) as bad_context:
        await client.assistants.create(graph_id="agent", context={"temperature": 9})
    assert bad_context.value.response.status_code == 422
    with pytest.raises(httpx.HTTPStatusError) as bad_graph:
        await client.assistants.create(graph_id="nope")
    assert bad_graph.value.response.status_code == 400


async def test_other_tenant_sees_nothing(base_url: str, client: LangGraphClient) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], aid, input=HI)
    await client.runs.join(thread["thread_id"], run["run_id"])
    stranger = premium(register(base_url))
    other = get_client(url=base_url, api_key=api_key(stranger, role="admin"))
    tid, rid = thread["thread_id"], run["run_id"]
    try:
        for call in (
            other.assistants.get(aid),
            other.threads.get(tid),
            other.threads.get_state(tid),
            other.threads.get_history(tid),
            other.runs.get(tid, rid),
            other.runs.list(tid),
            other.runs.join(tid, rid),
            other.runs.cancel(tid, rid),
            other.runs.wait(tid, aid, input=HI),
        ):
            with pytest.raises(httpx.HTTPStatusError) as caught:
                await call
            assert caught.value.response.status_code == 404
        with pytest.raises(httpx.HTTPStatusError) as caught:
            async for _ in other.runs.join_stream(tid, rid):
                pass
        assert caught.value.response.status_code == 404
        assert await other.threads.search() == []
    finally:
        await other.http.client.aclose()


async def test_rollback_strategy_erases_the_interrupted_run(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    thread = await client.threads.create()
    tid = thread["thread_id"]
    await client.runs.wait(tid, aid, input=HI)
    first = await client.runs.create(tid, aid, input=user_says("second"))
    await asyncio.sleep(0.4)
    replacement = await client.runs.create(tid, aid, input=HI, multitask_strategy="rollback")
    await client.runs.join(tid, replacement["run_id"])
    run_ids = [r["run_id"] for r in await client.runs.list(tid)]
    assert first["run_id"] not in run_ids  # rolled back: gone, with its checkpoints
    contents = [
        m["content"] for m in as_object((await client.threads.get_state(tid))["values"])["messages"]
    ]
    assert "second" not in contents
    assert contents == ["hi", SCRIPTED, "hi", SCRIPTED]


async def test_thread_stream_follows_its_runs(client: LangGraphClient) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    received: list[Any] = []

    async def listen() -> None:
        async for part in await client.threads.join_stream(tid):
            received.append(part)
            if sum(1 for p in received if p.event == "values") >= 4:
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.5)
    await client.runs.wait(tid, aid, input=HI)
    await client.runs.wait(tid, aid, input=HI)
    await asyncio.wait_for(listener, 20)
    metadata = [p.data["run_id"] for p in received if p.event == "metadata"]
    assert len(set(metadata)) == 2  # both runs, in order
    assert all(":" in p.id for p in received)


async def test_checkpoint_retention(
    client: LangGraphClient, db: psycopg.Connection[Any], account: Account
) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    for _ in range(5):
        await client.runs.wait(tid, aid, input=HI)
    key = f"{account.tenant_id}:{tid}"
    count = db.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (key,)).fetchone()
    assert count == (8,)  # ATRIUM_CHECKPOINT_HISTORY in the test server
    state = await client.threads.get_state(tid)
    assert len(as_object(state["values"])["messages"]) == 10  # nothing of the state was lost
    result = as_object(await client.runs.wait(tid, aid, input=HI))
    assert len(result["messages"]) == 12


async def test_events_mode_alongside_others(client: LangGraphClient) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    parts = [
        p
        async for p in client.runs.stream(
            thread["thread_id"], aid, input=HI, stream_mode=["events", "values", "custom"]
        )
    ]
    kinds = {p.data["event"] for p in parts if p.event == "events"}
    assert {"on_chain_start", "on_chat_model_stream", "on_chain_end"} <= kinds
    tokens = [
        p.data["data"]["chunk"]["content"]
        for p in parts
        if p.event == "events" and p.data["event"] == "on_chat_model_stream"
    ]
    assert "".join(tokens) == SCRIPTED
    assert parts[-1].event == "end" and parts[-2].event in ("values", "events")
    assert [p for p in parts if p.event == "values"][-1].data["messages"][-1]["content"] == SCRIPTED


async def test_after_seconds_delays_the_start(client: LangGraphClient) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], aid, input=HI, after_seconds=2)
    await asyncio.sleep(1.0)
    assert (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "pending"
    result = as_object(await client.runs.join(thread["thread_id"], run["run_id"]))
    assert result["messages"][-1]["content"] == SCRIPTED


async def test_a_run_and_its_job_are_written_together(
    client: LangGraphClient, db: psycopg.Connection[Any]
) -> None:
    aid = await assistant(client)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], aid, input=HI, after_seconds=30)
    # The job is in the queue when the create call returns: it was written in the run's own
    # transaction, not after it by a task that a crash could lose.
    jobs = db.execute(
        "SELECT status, scheduled_at IS NOT NULL FROM procrastinate_jobs"
        " WHERE args->>'run_id' = %s",
        (run["run_id"],),
    ).fetchall()
    assert jobs == [("todo", True)]
    await client.runs.cancel(thread["thread_id"], run["run_id"])
    # A create that fails (an unknown assistant) leaves neither a run nor a job behind.
    before = db.execute("SELECT count(*) FROM procrastinate_jobs").fetchone()
    with pytest.raises(httpx.HTTPStatusError):
        await client.runs.create(thread["thread_id"], "no-such-assistant", input=HI)
    assert db.execute("SELECT count(*) FROM procrastinate_jobs").fetchone() == before


async def test_disconnect_cancels_when_asked(client: LangGraphClient) -> None:
    aid = await assistant(client, model="scripted/slow")
    thread = await client.threads.create()
    tid = thread["thread_id"]
    run_id = None
    stream = client.runs.stream(
        tid, aid, input=HI, stream_mode="messages-tuple", on_disconnect="cancel"
    )
    async for part in stream:
        if part.event == "metadata":
            run_id = part.data["run_id"]
        if part.event == "messages":
            break  # the client goes away mid-run
    await stream.aclose()  # type: ignore[attr-defined]
    assert run_id is not None
    for _ in range(60):
        status = (await client.runs.get(tid, run_id))["status"]
        if status not in ("pending", "running"):
            break
        await asyncio.sleep(0.1)
    assert status == "interrupted"


async def test_token_and_time_limits_stop_a_run(client: LangGraphClient) -> None:
    # One model call spends more than 5 tokens; the call after the tool is refused.
    aid = await assistant(
        client, tools=[{"name": "calculator", "policy": "allow"}], max_run_tokens=5
    )
    thread = await client.threads.create()
    ask = user_says('call calculator {"expression": "6*7"}')
    result = as_object(
        await client.runs.wait(thread["thread_id"], aid, input=ask, raise_error=False)
    )
    assert result["__error__"]["error"] == "TokenLimitReached"
    runs = await client.runs.list(thread["thread_id"])
    assert runs[0]["status"] == "error" and as_object(runs[0])["usage"]["input_tokens"] > 0
    state = await client.threads.get_state(thread["thread_id"])
    assert [m["type"] for m in as_object(state["values"])["messages"]] == ["human", "ai", "tool"]
    # Wall clock: the slow model needs ~0.7 s for its reply; 0.3 s stops it midway.
    slow = await assistant(client, model="scripted/slow", max_seconds=0.3)
    thread = await client.threads.create()
    parts = [
        p
        async for p in client.runs.stream(
            thread["thread_id"], slow, input=HI, stream_mode="messages-tuple"
        )
    ]
    assert parts[-2].event == "error" and parts[-2].data["error"] == "TimeLimitReached"
    assert parts[-1].event == "end" and parts[-1].data["status"] == "timeout"
    assert (await client.threads.get(thread["thread_id"]))["status"] == "error"
    with pytest.raises(httpx.HTTPStatusError) as bad:
        await assistant(client, max_seconds=0)
    assert bad.value.response.status_code == 422
