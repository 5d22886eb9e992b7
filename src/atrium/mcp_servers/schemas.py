from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints, field_validator, model_validator

from atrium.kit.schemas import Input, Output

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
# OpenAI's pattern for a tool's name; a discovered tool whose `<server>__<tool>` does not
# fit is not offered.
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SEPARATOR = "__"

ServerName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Arg = Annotated[str, StringConstraints(max_length=1024)]
# Header names (http) or environment variable names (stdio), and their values.
CredentialName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")]
Credentials = Annotated[
    dict[CredentialName, Annotated[str, StringConstraints(max_length=8192)]],
    Field(max_length=32),
]


def exposed_name(server: str, tool: str) -> str:
    return f"{server}{SEPARATOR}{tool}"


def _url_length(value: AnyHttpUrl | None) -> AnyHttpUrl | None:
    if value is not None and len(str(value)) > 2048:
        raise ValueError("must be at most 2048 characters")
    return value


class McpServerCreate(Input):
    """An MCP server to register. `credentials` are HTTP headers sent with every request
    (e.g. `{"Authorization": "Bearer ..."}`) for `http`, or environment variables for
    `stdio`; they are encrypted at rest and never returned."""

    name: ServerName
    transport: Literal["http", "stdio"] = "http"
    url: AnyHttpUrl | None = None
    command: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    args: Annotated[list[Arg], Field(max_length=64)] = Field(default_factory=list)
    credentials: Credentials | None = None
    enabled: bool = True

    _url = field_validator("url")(_url_length)

    @model_validator(mode="after")
    def _endpoint(self) -> McpServerCreate:
        if self.transport == "http":
            if self.url is None:
                raise ValueError("an http server needs a url")
            if self.command is not None or self.args:
                raise ValueError("an http server takes no command or args")
        else:
            if self.command is None:
                raise ValueError("a stdio server needs a command")
            if self.url is not None:
                raise ValueError("a stdio server takes no url")
        return self


class McpServerUpdate(Input):
    """Changes to an MCP server. Changing where it is or its credentials discovers its tools
    again (and fails, changing nothing, if it cannot be reached). `credentials` replace the
    stored ones; `{}` removes them."""

    name: ServerName | None = None
    url: AnyHttpUrl | None = None
    command: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    args: Annotated[list[Arg], Field(max_length=64)] | None = None
    credentials: Credentials | None = None
    enabled: bool | None = None

    _url = field_validator("url")(_url_length)


class McpToolPublic(Output):
    """A tool discovered on the server: `name` is what assistants name it by (in their
    `tools` policies); `offered` is false when that name does not fit a tool name's pattern."""

    name: str
    tool: str
    description: str
    input_schema: dict[str, Any]
    offered: bool


class McpServerPublic(Output):
    """A registered MCP server, without its credentials (`has_credentials` says if any)."""

    id: uuid.UUID
    name: str
    transport: str
    url: str | None
    command: str | None
    args: list[str]
    has_credentials: bool
    enabled: bool
    tools: list[McpToolPublic]
    tools_discovered_at: dt.datetime | None
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


def tools_public(server: str, stored: list[dict[str, Any]]) -> list[McpToolPublic]:
    out = []
    for tool in stored:
        name = exposed_name(server, str(tool["name"]))
        out.append(
            McpToolPublic(
                name=name,
                tool=str(tool["name"]),
                description=str(tool.get("description") or ""),
                input_schema=dict(tool.get("input_schema") or {}),
                offered=bool(TOOL_NAME.fullmatch(name)),
            )
        )
    return out
