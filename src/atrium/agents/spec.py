"""What an assistant is made of (its `context` in LangGraph's terms), validated strictly."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from atrium.kit.schemas import Storable

GRAPH_ID = "agent"
# LangGraph's Agent Server maps a graph name used as an assistant id to this uuid5.
SYSTEM_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


def system_assistant_id(graph_id: str = GRAPH_ID) -> uuid.UUID:
    return uuid.uuid5(SYSTEM_NAMESPACE, graph_id)


class ToolSpec(Storable):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
    policy: Literal["allow", "ask", "deny"] = "allow"
    config: dict[str, Any] = Field(default_factory=dict)


class AssistantContext(Storable):
    """An assistant's behaviour. Every field is optional; defaults apply at run time."""

    model_config = ConfigDict(extra="forbid")

    instructions: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    model: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=100_000)] | None = None
    tools: Annotated[list[ToolSpec], Field(max_length=64)] | None = None
    knowledge_bases: Annotated[list[uuid.UUID], Field(max_length=32)] | None = None
    max_steps: Annotated[int, Field(ge=1, le=100)] | None = None
    # Per run: input and output tokens over all its model calls, and wall-clock seconds.
    max_run_tokens: Annotated[int, Field(ge=1, le=100_000_000)] | None = None
    max_seconds: Annotated[float, Field(ge=0.1, le=86_400)] | None = None


CONTEXT_FIELDS = frozenset(AssistantContext.model_fields)
