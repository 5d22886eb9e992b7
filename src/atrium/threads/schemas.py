"""Thread bodies, shaped like LangGraph's Agent Server."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atrium.kit.schemas import Offset, Storable


class ThreadStatus(StrEnum):
    idle = "idle"
    busy = "busy"
    interrupted = "interrupted"
    error = "error"


class _Input(Storable):
    model_config = ConfigDict(extra="forbid")


class ThreadCreate(_Input):
    thread_id: uuid.UUID | None = None
    metadata: dict[str, Any] | None = None
    if_exists: Literal["raise", "do_nothing"] = "raise"
    ttl: dict[str, Any] | None = None
    supersteps: list[dict[str, Any]] | None = None
    # Atrium's own (langgraph-sdk sends it as an extra field): the thread's project.
    project_id: uuid.UUID | None = None


class ThreadUpdate(_Input):
    metadata: dict[str, Any] | None = None
    ttl: dict[str, Any] | None = None
    # Atrium's own: the project to move the thread to; `null` takes it out of its project.
    project_id: uuid.UUID | None = None


class ThreadSearch(_Input):
    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    ids: Annotated[list[uuid.UUID], Field(max_length=1000)] | None = None
    status: ThreadStatus | None = None
    # Atrium's own: only the project's threads.
    project_id: uuid.UUID | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 10
    offset: Offset = 0
    sort_by: (
        Literal["thread_id", "status", "created_at", "updated_at", "state_updated_at"] | None
    ) = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None
    extract: dict[str, str] | None = None


class ThreadCount(_Input):
    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    status: ThreadStatus | None = None
    project_id: uuid.UUID | None = None


class StateUpdate(_Input):
    values: dict[str, Any] | list[Any] | None = None
    as_node: Annotated[str, Field(max_length=100)] | None = None
    checkpoint: dict[str, Any] | None = None
    checkpoint_id: str | None = None


class HistoryQuery(_Input):
    limit: Annotated[int, Field(ge=1, le=1000)] = 10
    before: str | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = None
    select: list[str] | None = None


class CheckpointQuery(_Input):
    checkpoint: dict[str, Any]
    subgraphs: bool = False
    select: list[str] | None = None


class ThreadPublic(BaseModel):
    thread_id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime
    state_updated_at: dt.datetime
    metadata: dict[str, Any]
    status: ThreadStatus
    config: dict[str, Any]
    values: dict[str, Any] | None
    interrupts: dict[str, Any]
    error: dict[str, Any] | None
    project_id: uuid.UUID | None = None


class ThreadSearchItemPublic(BaseModel):
    """A thread in search results: every field of `ThreadPublic`, or those named in
    `select`."""

    thread_id: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    state_updated_at: dt.datetime | None = None
    metadata: dict[str, Any] | None = None
    status: ThreadStatus | None = None
    config: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    interrupts: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    project_id: uuid.UUID | None = None


class CheckpointPublic(BaseModel):
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str | None
    checkpoint_map: dict[str, Any] | None = None


class ThreadTaskPublic(BaseModel):
    id: str
    name: str
    path: list[Any]
    error: str | None
    interrupts: list[dict[str, Any]]
    checkpoint: CheckpointPublic | None
    state: dict[str, Any] | None
    result: Any


class ThreadStatePublic(BaseModel):
    """A thread's state at one checkpoint, shaped like LangGraph's `ThreadState`."""

    values: dict[str, Any] | list[Any]
    next: list[str]
    tasks: list[ThreadTaskPublic]
    metadata: dict[str, Any]
    created_at: str | None
    checkpoint: CheckpointPublic | None
    parent_checkpoint: CheckpointPublic | None
    interrupts: list[dict[str, Any]]
    checkpoint_id: str | None
    parent_checkpoint_id: str | None


class StateUpdatePublic(BaseModel):
    """Where a state update was written."""

    checkpoint: CheckpointPublic
    configurable: CheckpointPublic
    checkpoint_id: str | None
