"""Schemas of the tools API: what a tenant can use, what was called, the outbound
allowlist."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from atrium.kit.schemas import Input, Output

ALLOWLIST_MAX = 100
_HOST = re.compile(
    r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)


class ToolPublic(Output):
    name: str
    description: str
    parameters: dict[str, Any] = Field(description="JSON schema of the tool's arguments")
    source: str = Field(description="`builtin`, `mcp:<server>` or `knowledge`")
    available: bool
    unavailable_reason: str | None = None


class ToolInvocationPublic(Output):
    id: uuid.UUID
    run_id: uuid.UUID
    thread_id: uuid.UUID
    call_id: str
    name: str
    input: dict[str, Any]
    output: str | None
    status: str
    latency_ms: int
    approval: str | None
    approved_by: uuid.UUID | None
    created_at: dt.datetime


Host = Annotated[str, StringConstraints(min_length=1, max_length=253, to_lower=True)]


class OutboundAllowlistUpdate(Input):
    hosts: list[Host] = Field(
        max_length=ALLOWLIST_MAX,
        description=(
            "Host names (`example.com` admits its subdomains too; `*.example.com` is the "
            "same); empty: any public host"
        ),
    )

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not _HOST.match(host.rstrip(".")):
                raise ValueError(f"{host!r} is not a host name")
        return list(dict.fromkeys(h.rstrip(".") for h in hosts))


class OutboundAllowlistPublic(Output):
    hosts: list[str]
