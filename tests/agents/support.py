"""Helpers for the checkpointer tests: a pool configured as Atrium's, and checkpoints with
channel values big enough to live in `checkpoint_blobs`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from atrium.agents.checkpoints import AtriumCheckpointer


@asynccontextmanager
async def open_pool(dsn: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    """A pool with the settings of Atrium's own (agents/runtime.py)."""
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        dsn,
        open=False,
        min_size=1,
        max_size=2,
        kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row},
    )
    await pool.open(wait=True, timeout=30)
    try:
        yield pool
    finally:
        await pool.close()


async def put(
    saver: AtriumCheckpointer,
    thread: str,
    *,
    run: str,
    version: int,
    parent: RunnableConfig | None = None,
    ns: str = "",
    label: str | None = None,
) -> RunnableConfig:
    """One checkpoint whose `items` channel is at `version` (a list, so a blob of its own per
    version) and whose `topic` channel stays at version 1 (one blob shared by all), with a
    pending write, as a graph step leaves them."""
    config: RunnableConfig = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    if parent is not None:
        config["configurable"]["checkpoint_id"] = parent["configurable"]["checkpoint_id"]
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {
        "items": [f"item {i}" for i in range(1, version + 1)],
        "topic": {"thread": thread, "ns": ns},
    }
    checkpoint["channel_versions"] = {"items": version, "topic": 1}
    new_versions: dict[str, int] = {"items": version}
    if parent is None:
        new_versions["topic"] = 1
    metadata: dict[str, Any] = {"source": "loop", "step": version, "run_id": run}
    if label is not None:
        metadata["thread_id"] = label
    stored = await saver.aput(config, checkpoint, metadata, new_versions)  # type: ignore[arg-type]
    await saver.aput_writes(stored, [("items", f"pending {version}")], task_id=f"task-{version}")
    return stored


_ORDER = {
    "checkpoints": "checkpoint_ns, checkpoint_id",
    "checkpoint_blobs": "checkpoint_ns, channel, version",
    "checkpoint_writes": "checkpoint_ns, checkpoint_id, task_id, idx",
}


def snapshot(
    db: psycopg.Connection[dict[str, Any]], thread: str
) -> dict[str, list[dict[str, Any]]]:
    """Every row of a thread in the three checkpoint tables, without the thread column."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, order in _ORDER.items():
        rows = db.execute(
            sql.SQL("SELECT * FROM {} WHERE thread_id = %s ORDER BY " + order).format(
                sql.Identifier(table)
            ),
            (thread,),
        ).fetchall()
        tables[table] = [{k: v for k, v in row.items() if k != "thread_id"} for row in rows]
    return tables


def checkpoint_ids(db: psycopg.Connection[dict[str, Any]], thread: str, ns: str = "") -> list[str]:
    """A namespace's checkpoint ids, oldest first."""
    rows = db.execute(
        "SELECT checkpoint_id FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = %s"
        " ORDER BY checkpoint_id",
        (thread, ns),
    ).fetchall()
    return [r["checkpoint_id"] for r in rows]


def blobs(db: psycopg.Connection[dict[str, Any]], thread: str) -> set[tuple[str, str, str]]:
    """(namespace, channel, version) of a thread's channel values."""
    rows = db.execute(
        "SELECT checkpoint_ns, channel, version FROM checkpoint_blobs WHERE thread_id = %s",
        (thread,),
    ).fetchall()
    return {(r["checkpoint_ns"], r["channel"], r["version"]) for r in rows}


def written(db: psycopg.Connection[dict[str, Any]], thread: str) -> set[str]:
    """Ids of the checkpoints that have pending writes."""
    rows = db.execute(
        "SELECT DISTINCT checkpoint_id FROM checkpoint_writes WHERE thread_id = %s", (thread,)
    ).fetchall()
    return {r["checkpoint_id"] for r in rows}


def parent_of(
    db: psycopg.Connection[dict[str, Any]], thread: str, config: RunnableConfig
) -> str | None:
    row = db.execute(
        "SELECT parent_checkpoint_id FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = %s"
        " AND checkpoint_id = %s",
        (thread, config["configurable"]["checkpoint_ns"], config["configurable"]["checkpoint_id"]),
    ).fetchone()
    assert row is not None
    parent: str | None = row["parent_checkpoint_id"]
    return parent


def cid(config: RunnableConfig) -> str:
    return str(config["configurable"]["checkpoint_id"])
