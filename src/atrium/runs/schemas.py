"""Run-create payloads as the LangGraph SDK sends them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resume: Any = None
    update: dict[str, Any] | list[Any] | None = None
    goto: Any = None


class RunCreate(BaseModel):
    # Unknown keys are tolerated (as LangGraph's server does) so newer SDKs keep working.
    model_config = ConfigDict(extra="ignore")

    assistant_id: Annotated[str, Field(min_length=1, max_length=100)]
    input: dict[str, Any] | list[Any] | None = None
    command: CommandIn | None = None
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    stream_mode: str | list[str] | None = None
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    webhook: Annotated[str, Field(max_length=2048)] | None = None
    multitask_strategy: Literal["reject", "interrupt", "rollback", "enqueue"] = "enqueue"
    if_not_exists: Literal["create", "reject"] = "reject"
    on_disconnect: Literal["cancel", "continue"] = "continue"
    on_completion: Literal["delete", "keep"] = "delete"
    after_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = None
    checkpoint_id: str | None = None
    durability: Literal["sync", "async", "exit"] | None = None


class CancelMany(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thread_id: uuid.UUID | None = None
    run_ids: list[uuid.UUID] | None = None
    status: Literal["pending", "running", "all"] | None = None
