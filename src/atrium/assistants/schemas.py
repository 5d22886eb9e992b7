"""Assistant bodies, shaped like LangGraph's Agent Server (so `langgraph-sdk` works) with
Atrium's assistant fields also accepted at the top level."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from atrium.agents.spec import AssistantContext
from atrium.kit.schemas import Offset, Storable

Name = Annotated[str, StringConstraints(max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]


class _Input(Storable):
    model_config = ConfigDict(extra="forbid")


class RunConfig(Storable):
    model_config = ConfigDict(extra="forbid")

    tags: (
        Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=50)]
        | None
    ) = None
    recursion_limit: Annotated[int, Field(ge=1, le=1000)] | None = None
    configurable: dict[str, Any] | None = None


class AssistantCreate(AssistantContext):
    # Atrium's assistant fields (AssistantContext) are accepted at the top level as well
    # as in `context`.
    graph_id: Annotated[str, StringConstraints(max_length=100)] | None = "agent"
    assistant_id: uuid.UUID | None = None
    if_exists: Literal["raise", "do_nothing"] = "raise"
    config: RunConfig | None = None
    context: AssistantContext | None = None
    metadata: dict[str, Any] | None = None
    name: Name | None = None
    description: Description | None = None
    project_id: uuid.UUID | None = None


class AssistantUpdate(AssistantContext):
    graph_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    config: RunConfig | None = None
    context: AssistantContext | None = None
    metadata: dict[str, Any] | None = None
    name: Name | None = None
    description: Description | None = None
    # Atrium's own: the project to move the assistant to; `null` takes it out of its project.
    project_id: uuid.UUID | None = None


SortBy = Literal["assistant_id", "graph_id", "name", "created_at", "updated_at"]


class AssistantSearch(_Input):
    metadata: dict[str, Any] | None = None
    graph_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    # Atrium's own (langgraph-sdk sends it as an extra field): only the project's assistants.
    project_id: uuid.UUID | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 10
    offset: Offset = 0
    sort_by: SortBy | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class AssistantCount(_Input):
    metadata: dict[str, Any] | None = None
    graph_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    project_id: uuid.UUID | None = None


class VersionsQuery(_Input):
    metadata: dict[str, Any] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 10
    offset: Offset = 0


class SetLatest(_Input):
    version: Annotated[int, Field(ge=1)]


class AssistantPublic(BaseModel):
    assistant_id: uuid.UUID
    graph_id: str
    name: str
    description: str | None
    config: dict[str, Any]
    context: dict[str, Any]
    metadata: dict[str, Any]
    version: int
    project_id: uuid.UUID | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class AssistantVersionPublic(BaseModel):
    assistant_id: uuid.UUID
    graph_id: str
    name: str
    description: str | None
    config: dict[str, Any]
    context: dict[str, Any]
    metadata: dict[str, Any]
    version: int
    created_at: dt.datetime


class AssistantSearchItemPublic(BaseModel):
    """An assistant in search results: every field of `AssistantPublic`, or those named in
    `select`."""

    assistant_id: uuid.UUID | None = None
    graph_id: str | None = None
    name: str | None = None
    description: str | None = None
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    version: int | None = None
    project_id: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class GraphSchemasPublic(BaseModel):
    """JSON schemas of a graph's input, output, state, config and context."""

    graph_id: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    state_schema: dict[str, Any]
    config_schema: dict[str, Any]
    context_schema: dict[str, Any]


class GraphDrawingPublic(BaseModel):
    """A graph's nodes and edges."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
