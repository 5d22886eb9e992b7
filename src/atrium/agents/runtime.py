"""The compiled `agent` graph with LangGraph's PostgreSQL checkpointer.

The checkpoint tables are shared by all tenants, so threads are keyed there as
`<tenant_id>:<thread_id>`, and no checkpoint is read or written before the threads service
has proved that the thread belongs to the caller's tenant (a RLS-guarded row lookup).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StateSnapshot
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from atrium.agents.checkpoints import AtriumCheckpointer
from atrium.agents.graph import build


def checkpoint_key(tenant_id: uuid.UUID, thread_id: uuid.UUID) -> str:
    return f"{tenant_id}:{thread_id}"


def thread_config(
    tenant_id: uuid.UUID, thread_id: uuid.UUID, checkpoint_id: str | None = None
) -> RunnableConfig:
    configurable: dict[str, Any] = {
        "thread_id": checkpoint_key(tenant_id, thread_id),
        "checkpoint_ns": "",
    }
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def jsonable(value: Any) -> Any:
    """State values as JSON: messages become LangGraph's message dicts."""
    if isinstance(value, BaseMessage):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return jsonable(dump(mode="json"))
    return str(value)


def _checkpoint(thread_id: uuid.UUID, config: RunnableConfig | None) -> dict[str, Any] | None:
    if not config:
        return None
    conf = config.get("configurable", {})
    return {
        "thread_id": str(thread_id),
        "checkpoint_ns": conf.get("checkpoint_ns", ""),
        "checkpoint_id": conf.get("checkpoint_id"),
        "checkpoint_map": conf.get("checkpoint_map"),
    }


def interrupts_of(snapshot: StateSnapshot) -> list[dict[str, Any]]:
    return [
        {"value": jsonable(i.value), "id": i.id} for task in snapshot.tasks for i in task.interrupts
    ]


def state_json(thread_id: uuid.UUID, snapshot: StateSnapshot) -> dict[str, Any]:
    """A StateSnapshot in the shape of LangGraph's ThreadState."""
    checkpoint = _checkpoint(thread_id, snapshot.config)
    parent = _checkpoint(thread_id, snapshot.parent_config)
    metadata = dict(snapshot.metadata or {})
    metadata.pop("thread_id", None)
    return {
        "values": jsonable(snapshot.values) if snapshot.values else {},
        "next": list(snapshot.next),
        "tasks": [
            {
                "id": task.id,
                "name": task.name,
                "path": list(task.path),
                "error": str(task.error) if task.error else None,
                "interrupts": [{"value": jsonable(i.value), "id": i.id} for i in task.interrupts],
                "checkpoint": None,
                "state": None,
                "result": jsonable(task.result) if task.result is not None else None,
            }
            for task in snapshot.tasks
        ],
        "metadata": jsonable(metadata),
        "created_at": snapshot.created_at,
        "checkpoint": checkpoint,
        "parent_checkpoint": parent,
        "interrupts": interrupts_of(snapshot),
        "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
        "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
    }


class AgentRuntime:
    def __init__(self, conninfo: str, *, pool_size: int) -> None:
        self.pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            conninfo,
            open=False,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row},
        )
        self.saver = AtriumCheckpointer(self.pool)
        self.graph: CompiledStateGraph[Any, Any, Any, Any] = build(self.saver)

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        await self.pool.close()

    async def state(
        self, tenant_id: uuid.UUID, thread_id: uuid.UUID, checkpoint_id: str | None = None
    ) -> StateSnapshot:
        return await self.graph.aget_state(thread_config(tenant_id, thread_id, checkpoint_id))

    async def delete_thread(self, tenant_id: uuid.UUID, thread_id: uuid.UUID) -> None:
        await self.saver.adelete_thread(checkpoint_key(tenant_id, thread_id))

    async def rollback(self, tenant_id: uuid.UUID, thread_id: uuid.UUID, run_id: uuid.UUID) -> None:
        """Forget every checkpoint a run wrote, as if it had never started."""
        await self.saver.adelete_for_runs(
            [str(run_id)], thread_id=checkpoint_key(tenant_id, thread_id)
        )

    async def copy_thread(self, tenant_id: uuid.UUID, source: uuid.UUID, target: uuid.UUID) -> None:
        """Give `target` the whole checkpoint history of `source` (same tenant)."""
        await self.saver.acopy_thread(
            checkpoint_key(tenant_id, source),
            checkpoint_key(tenant_id, target),
            metadata_thread_id=str(target),
        )

    async def prune(self, tenant_id: uuid.UUID, thread_id: uuid.UUID, keep: int) -> None:
        """Apply the retention: keep the newest `keep` checkpoints of each namespace."""
        await self.saver.aprune([checkpoint_key(tenant_id, thread_id)], keep=keep)
