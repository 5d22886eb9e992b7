"""Atrium's checkpoint maintenance: what rollback, copy and retention keep and delete, in
every namespace and table, and that each is all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import psycopg
import pytest
from langchain_core.runnables import RunnableConfig
from psycopg import sql

from atrium.agents.checkpoints import AtriumCheckpointer
from atrium.agents.runtime import AgentRuntime, checkpoint_key
from tests.agents.support import (
    blobs,
    checkpoint_ids,
    cid,
    parent_of,
    put,
    snapshot,
    written,
)

Db = psycopg.Connection[dict[str, Any]]


def _key() -> str:
    return checkpoint_key(uuid.uuid4(), uuid.uuid4())


def _run() -> str:
    return str(uuid.uuid4())


def _config(thread: str, ns: str = "") -> RunnableConfig:
    return {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}


async def test_delete_for_runs_of_a_thread_removes_only_that_runs_rows(
    saver: AtriumCheckpointer, checkpoint_db: Db
) -> None:
    thread, other = _key(), _key()
    kept_run, rolled_back = _run(), _run()
    a1 = await put(saver, thread, run=kept_run, version=1)
    a2 = await put(saver, thread, run=kept_run, version=2, parent=a1)
    b1 = await put(saver, thread, run=rolled_back, version=3, parent=a2)
    await put(saver, thread, run=rolled_back, version=4, parent=b1)
    await put(saver, thread, run=rolled_back, version=1, ns="tools:1")
    # The same run id on another thread is out of reach of a deletion confined to `thread`.
    await put(saver, other, run=rolled_back, version=1)
    other_before = snapshot(checkpoint_db, other)

    await saver.adelete_for_runs([rolled_back], thread_id=thread)

    assert checkpoint_ids(checkpoint_db, thread) == [cid(a1), cid(a2)]
    assert checkpoint_ids(checkpoint_db, thread, "tools:1") == []
    assert written(checkpoint_db, thread) == {cid(a1), cid(a2)}
    assert blobs(checkpoint_db, thread) == {
        ("", "items", "1"),
        ("", "items", "2"),
        ("", "topic", "1"),
    }
    assert snapshot(checkpoint_db, other) == other_before
    state = await saver.aget_tuple(_config(thread))
    assert state is not None and cid(state.config) == cid(a2)
    assert state.checkpoint["channel_values"]["items"] == ["item 1", "item 2"]
    assert [w[2] for w in state.pending_writes or []] == ["pending 2"]


async def test_delete_for_runs_everywhere_unlinks_the_children_of_what_it_deleted(
    saver: AtriumCheckpointer, checkpoint_db: Db
) -> None:
    thread, other = _key(), _key()
    first, second = _run(), _run()
    a1 = await put(saver, thread, run=first, version=1)
    a2 = await put(saver, thread, run=first, version=2, parent=a1)
    b1 = await put(saver, thread, run=second, version=3, parent=a2)
    await put(saver, other, run=first, version=1)

    await saver.adelete_for_runs([first])

    assert checkpoint_ids(checkpoint_db, thread) == [cid(b1)]
    assert parent_of(checkpoint_db, thread, b1) is None
    # `topic` v1 is still b1's; `items` v1 and v2 were only the deleted checkpoints'.
    assert blobs(checkpoint_db, thread) == {("", "items", "3"), ("", "topic", "1")}
    assert written(checkpoint_db, thread) == {cid(b1)}
    assert snapshot(checkpoint_db, other) == {
        "checkpoints": [],
        "checkpoint_blobs": [],
        "checkpoint_writes": [],
    }
    state = await saver.aget_tuple(_config(thread))
    assert state is not None and state.parent_config is None
    assert state.checkpoint["channel_values"]["items"] == ["item 1", "item 2", "item 3"]


async def _history(saver: AtriumCheckpointer, thread: str, label: str) -> None:
    """Three root checkpoints of two runs and two of a subgraph namespace."""
    first, second = _run(), _run()
    r1 = await put(saver, thread, run=first, version=1, label=label)
    r2 = await put(saver, thread, run=first, version=2, parent=r1, label=label)
    await put(saver, thread, run=second, version=3, parent=r2, label=label)
    c1 = await put(saver, thread, run=second, version=1, ns="tools:1", label=label)
    await put(saver, thread, run=second, version=2, ns="tools:1", parent=c1, label=label)


def _without_thread_label(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        **tables,
        "checkpoints": [
            {**row, "metadata": {k: v for k, v in row["metadata"].items() if k != "thread_id"}}
            for row in tables["checkpoints"]
        ],
    }


async def test_copy_thread_copies_the_whole_history_of_every_namespace(
    saver: AtriumCheckpointer, checkpoint_db: Db
) -> None:
    source, target = _key(), _key()
    await _history(saver, source, label="source-thread")
    source_before = snapshot(checkpoint_db, source)

    await saver.acopy_thread(source, target, metadata_thread_id="target-thread")

    copied = snapshot(checkpoint_db, target)
    assert snapshot(checkpoint_db, source) == source_before
    assert len(copied["checkpoints"]) == 5
    assert len(copied["checkpoint_blobs"]) == 7
    assert len(copied["checkpoint_writes"]) == 5
    assert _without_thread_label(copied) == _without_thread_label(source_before)
    assert {row["metadata"]["thread_id"] for row in copied["checkpoints"]} == {"target-thread"}
    for ns in ("", "tools:1"):
        originals = [t async for t in saver.alist(_config(source, ns))]
        copies = [t async for t in saver.alist(_config(target, ns))]
        assert [t.checkpoint for t in copies] == [t.checkpoint for t in originals]
        assert [t.pending_writes for t in copies] == [t.pending_writes for t in originals]
        assert [t.parent_config and cid(t.parent_config) for t in copies] == [
            t.parent_config and cid(t.parent_config) for t in originals
        ]


async def test_copy_thread_names_the_target_key_without_a_label(
    saver: AtriumCheckpointer, checkpoint_db: Db
) -> None:
    source, target = _key(), _key()
    await put(saver, source, run=_run(), version=1, label=source)

    await saver.acopy_thread(source, target)

    [row] = snapshot(checkpoint_db, target)["checkpoints"]
    assert row["metadata"]["thread_id"] == target


async def test_copy_thread_copies_nothing_when_a_part_fails(
    saver: AtriumCheckpointer, checkpoint_db: Db
) -> None:
    source, target = _key(), _key()
    await _history(saver, source, label="source-thread")
    # A pending write already under the target collides with the last table copied.
    checkpoint_db.execute(
        "INSERT INTO checkpoint_writes SELECT %s, checkpoint_ns, checkpoint_id, task_id, idx,"
        " channel, type, blob, task_path FROM checkpoint_writes WHERE thread_id = %s LIMIT 1",
        (target, source),
    )

    with pytest.raises(psycopg.errors.UniqueViolation):
        await saver.acopy_thread(source, target)

    after = snapshot(checkpoint_db, target)
    assert after["checkpoints"] == [] and after["checkpoint_blobs"] == []
    assert len(after["checkpoint_writes"]) == 1


async def _chain(
    saver: AtriumCheckpointer, thread: str, *, run: str, versions: int, ns: str = ""
) -> list[RunnableConfig]:
    chain = [await put(saver, thread, run=run, version=1, ns=ns)]
    for version in range(2, versions + 1):
        chain.append(await put(saver, thread, run=run, version=version, ns=ns, parent=chain[-1]))
    return chain


async def test_prune_keeps_the_newest_of_each_namespace(
    saver: AtriumCheckpointer, checkpoint_db: Db
) -> None:
    thread, other = _key(), _key()
    run = _run()
    root = await _chain(saver, thread, run=run, versions=5)
    # The subgraph's checkpoints are the thread's newest overall: ordering across namespaces
    # would leave the root namespace with none.
    child = await _chain(saver, thread, run=run, versions=3, ns="tools:1")
    await _history(saver, other, label="other")
    other_before = snapshot(checkpoint_db, other)

    await saver.aprune([thread], keep=2)

    assert checkpoint_ids(checkpoint_db, thread) == [cid(root[3]), cid(root[4])]
    assert checkpoint_ids(checkpoint_db, thread, "tools:1") == [cid(child[1]), cid(child[2])]
    assert written(checkpoint_db, thread) == {
        cid(c) for c in (root[3], root[4], child[1], child[2])
    }
    assert blobs(checkpoint_db, thread) == {
        ("", "items", "4"),
        ("", "items", "5"),
        ("", "topic", "1"),
        ("tools:1", "items", "2"),
        ("tools:1", "items", "3"),
        ("tools:1", "topic", "1"),
    }
    assert parent_of(checkpoint_db, thread, root[3]) is None
    assert parent_of(checkpoint_db, thread, root[4]) == cid(root[3])
    assert parent_of(checkpoint_db, thread, child[1]) is None
    assert snapshot(checkpoint_db, other) == other_before
    state = await saver.aget_tuple(_config(thread))
    assert state is not None
    assert state.checkpoint["channel_values"]["items"] == [f"item {i}" for i in range(1, 6)]


async def test_prune_refuses_what_it_cannot_do(saver: AtriumCheckpointer) -> None:
    with pytest.raises(TypeError):
        await saver.aprune(_key())
    with pytest.raises(ValueError, match="strategy"):
        await saver.aprune([_key()], strategy="keep_oldest")
    with pytest.raises(ValueError, match="keep"):
        await saver.aprune([_key()], keep=0)
    with pytest.raises(TypeError):
        await saver.adelete_for_runs(_run())


@pytest.fixture
def doomed(checkpoint_db: Db) -> Iterator[str]:
    """A thread whose channel values cannot be deleted: the last statement of a deletion
    fails."""
    thread = _key()
    name = f"refuse_{uuid.uuid4().hex[:8]}"
    checkpoint_db.execute(
        sql.SQL(
            "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'blob of % kept', OLD.thread_id; END $$"
        ).format(sql.Identifier(name))
    )
    checkpoint_db.execute(
        sql.SQL(
            "CREATE TRIGGER {} BEFORE DELETE ON checkpoint_blobs FOR EACH ROW"
            " WHEN (OLD.thread_id = {}) EXECUTE FUNCTION {}()"
        ).format(sql.Identifier(name), sql.Literal(thread), sql.Identifier(name))
    )
    try:
        yield thread
    finally:
        checkpoint_db.execute(
            sql.SQL("DROP TRIGGER {} ON checkpoint_blobs").format(sql.Identifier(name))
        )
        checkpoint_db.execute(sql.SQL("DROP FUNCTION {}()").format(sql.Identifier(name)))


@pytest.mark.parametrize(
    "deletion",
    [
        lambda saver, thread, run: saver.aprune([thread]),
        lambda saver, thread, run: saver.adelete_for_runs([run], thread_id=thread),
    ],
    ids=["prune", "delete_for_runs"],
)
async def test_a_deletion_that_fails_changes_nothing(
    saver: AtriumCheckpointer,
    checkpoint_db: Db,
    doomed: str,
    deletion: Callable[[AtriumCheckpointer, str, str], Awaitable[None]],
) -> None:
    first, second = _run(), _run()
    a1 = await put(saver, doomed, run=first, version=1)
    await put(saver, doomed, run=second, version=2, parent=a1)
    before = snapshot(checkpoint_db, doomed)

    with pytest.raises(psycopg.errors.RaiseException, match="kept"):
        await deletion(saver, doomed, second)

    assert snapshot(checkpoint_db, doomed) == before


async def test_agent_runtime_maintains_a_tenants_thread_through_the_checkpointer(
    checkpoint_dsn: str, checkpoint_db: Db
) -> None:
    tenant, thread, copy = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    key, copy_key = checkpoint_key(tenant, thread), checkpoint_key(tenant, copy)
    runtime = AgentRuntime(checkpoint_dsn, pool_size=2)
    await runtime.open()
    try:
        first, second = uuid.uuid4(), uuid.uuid4()
        a1 = await put(runtime.saver, key, run=str(first), version=1, label=str(thread))
        a2 = await put(runtime.saver, key, run=str(first), version=2, parent=a1, label=str(thread))
        await put(runtime.saver, key, run=str(second), version=3, parent=a2, label=str(thread))

        await runtime.rollback(tenant, thread, second)
        assert checkpoint_ids(checkpoint_db, key) == [cid(a1), cid(a2)]

        await runtime.copy_thread(tenant, thread, copy)
        copied = snapshot(checkpoint_db, copy_key)["checkpoints"]
        assert [row["checkpoint_id"] for row in copied] == [cid(a1), cid(a2)]
        assert {row["metadata"]["thread_id"] for row in copied} == {str(copy)}

        await runtime.prune(tenant, thread, keep=1)
        assert checkpoint_ids(checkpoint_db, key) == [cid(a2)]
        assert checkpoint_ids(checkpoint_db, copy_key) == [cid(a1), cid(a2)]
        state = await runtime.state(tenant, thread)
        assert cid(state.config) == cid(a2)
    finally:
        await runtime.close()
