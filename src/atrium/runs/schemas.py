"""Run payloads as the LangGraph SDK sends and reads them, and the run's vocabulary."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atrium.agents.spec import AssistantContext
from atrium.kit.schemas import Storable


class RunStatus(StrEnum):
    pending = "pending"
    running = "running"
    success = "success"
    error = "error"
    timeout = "timeout"
    interrupted = "interrupted"


# A run that may still produce events.
ACTIVE = (RunStatus.pending, RunStatus.running)


class MultitaskStrategy(StrEnum):
    """What a new run does on a thread that has an active one."""

    reject = "reject"
    interrupt = "interrupt"
    rollback = "rollback"
    enqueue = "enqueue"


class CancelAction(StrEnum):
    """`interrupt` stops a run and keeps what it did; `rollback` also erases it."""

    interrupt = "interrupt"
    rollback = "rollback"


class OnDisconnect(StrEnum):
    cancel = "cancel"
    continue_ = "continue"


class OnCompletion(StrEnum):
    delete = "delete"
    keep = "keep"


class Durability(StrEnum):
    """When a run's checkpoints are written (LangGraph's `durability`)."""

    sync = "sync"
    async_ = "async"
    exit = "exit"


class CommandIn(Storable):
    model_config = ConfigDict(extra="forbid")

    resume: Any = None
    update: dict[str, Any] | list[Any] | None = None
    goto: Any = None


class CheckpointRef(Storable):
    """A checkpoint of the run's thread to start from."""

    model_config = ConfigDict(extra="ignore")

    checkpoint_id: Annotated[str, Field(min_length=1, max_length=100)]
    # The `agent` graph has no subgraphs: only the root namespace has checkpoints.
    checkpoint_ns: Literal[""] = ""


class RunCreate(Storable):
    # Unknown keys are tolerated (as LangGraph's server does) so newer SDKs keep working;
    # every field below is honoured or refused, none is dropped.
    model_config = ConfigDict(extra="ignore")

    assistant_id: Annotated[str, Field(min_length=1, max_length=100)]
    input: dict[str, Any] | list[Any] | None = None
    command: CommandIn | None = None
    config: dict[str, Any] | None = None
    # Merged over the assistant's own context for this run (validated like it).
    context: AssistantContext | None = None
    metadata: dict[str, Any] | None = None
    stream_mode: str | list[str] | None = None
    # Events of subgraphs come named `<event>|<namespace>`.
    stream_subgraphs: bool = False
    # Every run's events are stored, so every stream can be resumed (`Last-Event-ID`)
    # whatever this says; kept in the run's kwargs as LangGraph does.
    stream_resumable: bool = False
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    webhook: Annotated[str, Field(max_length=2048)] | None = None
    multitask_strategy: MultitaskStrategy = MultitaskStrategy.enqueue
    if_not_exists: Literal["create", "reject"] = "reject"
    on_disconnect: OnDisconnect = OnDisconnect.continue_
    on_completion: OnCompletion = OnCompletion.delete
    after_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = None
    # Start from this checkpoint of the thread instead of its latest (a fork).
    checkpoint_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    checkpoint: CheckpointRef | None = None
    durability: Durability | None = None
    # LangGraph's older name for durability: true is "async", false is "exit".
    checkpoint_during: bool | None = None

    def start_checkpoint(self) -> str | None:
        return self.checkpoint_id or (self.checkpoint.checkpoint_id if self.checkpoint else None)

    def effective_durability(self) -> Durability | None:
        if self.durability is not None or self.checkpoint_during is None:
            return self.durability
        return Durability.async_ if self.checkpoint_during else Durability.exit


class RunOptions(BaseModel):
    """What a run was asked to do, as its worker reads it: stored in `runs.kwargs` when the
    run is created and validated when read back (a row written by an older version still
    reads, with defaults for what it lacks)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    input: dict[str, Any] | list[Any] | None = None
    command: CommandIn | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] | None = None
    stream_mode: list[str] = Field(default_factory=lambda: ["values"])
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    checkpoint_id: str | None = None
    durability: Durability | None = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    webhook: str | None = None
    on_disconnect: OnDisconnect = OnDisconnect.continue_
    on_completion: OnCompletion = OnCompletion.delete
    after_seconds: int | None = None
    # Internal: the worker deletes the run's temporary thread when it ends. The leading `_`
    # keeps it out of the run's public `kwargs`.
    delete_thread: bool = Field(default=False, alias="_delete_thread")

    def stored(self) -> dict[str, Any]:
        """The JSON kept in `runs.kwargs`."""
        return self.model_dump(mode="json", by_alias=True, exclude={"command"}) | {
            "command": self.command.model_dump(exclude_none=True) if self.command else None
        }

    def public(self) -> dict[str, Any]:
        """The run's `kwargs` as LangGraph's API shows them."""
        return {k: v for k, v in self.stored().items() if v is not None and k[0] != "_"}


class CancelMany(Storable):
    model_config = ConfigDict(extra="forbid")

    thread_id: uuid.UUID | None = None
    run_ids: list[uuid.UUID] | None = None
    status: Literal["pending", "running", "all"] | None = None


class UsagePublic(BaseModel):
    input_tokens: int
    output_tokens: int
    cost_usd: str


class RunPublic(BaseModel):
    run_id: uuid.UUID
    thread_id: uuid.UUID
    assistant_id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime
    status: RunStatus
    metadata: dict[str, Any]
    multitask_strategy: MultitaskStrategy
    # Named `kwargs` on the wire (LangGraph's name); not as a Python field, which pydantic's
    # mypy plugin would confuse with `**kwargs`.
    options: dict[str, Any] = Field(serialization_alias="kwargs")
    assistant_version: int
    model: str | None
    usage: UsagePublic
    error: dict[str, Any] | None


class RunOutputPublic(BaseModel):
    """What `wait` and `join` answer: the thread's values when the run ended, with
    `__interrupt__` when it paused, or `__error__` alone when it failed."""

    model_config = ConfigDict(extra="allow")


class WebhookSecretPublic(BaseModel):
    secret: str
    scheme: Literal["standard-webhooks"]
