"""HTTP for tools: what the tenant can use, what its runs called, its outbound allowlist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from atrium.auth.dependencies import AuthDep, TenantAdminDep
from atrium.kit.deps import ClientDep, SessionDep, provided
from atrium.kit.schemas import Limit, Offset, Page
from atrium.tools.schemas import (
    OutboundAllowlistPublic,
    OutboundAllowlistUpdate,
    ToolInvocationPublic,
    ToolPublic,
)
from atrium.tools.service import ToolService

router = APIRouter(tags=["tools"])
ToolServiceDep = Annotated[ToolService, Depends(provided("tool_service"))]


@router.get("/tools")
async def list_tools(
    auth: AuthDep, session: SessionDep, tool_service: ToolServiceDep
) -> list[ToolPublic]:
    """Every tool the tenant's assistants may name (built-in, MCP, knowledge), with the JSON
    schema of its arguments and whether the tenant can use it (plan, configuration)."""
    return await tool_service.list_tools(session=session, auth=auth)


@router.get("/tools/invocations")
async def list_invocations(
    auth: AuthDep,
    session: SessionDep,
    tool_service: ToolServiceDep,
    run_id: uuid.UUID | None = None,
    thread_id: uuid.UUID | None = None,
    name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> Page[ToolInvocationPublic]:
    """Tool calls of the tenant's runs, newest first: input, output (cut at 20 000
    characters), status, latency, approval and who approved. Members see those on threads
    they can see; owners and admins all."""
    rows, total = await tool_service.invocations(
        session=session,
        auth=auth,
        run_id=run_id,
        thread_id=thread_id,
        name=name,
        limit=limit,
        offset=offset,
    )
    items = [
        ToolInvocationPublic(
            id=call.id,
            run_id=call.run_id,
            thread_id=thread_id_,
            call_id=call.call_id,
            name=call.name,
            input=call.input,
            output=call.output,
            status=call.status,
            latency_ms=call.latency_ms,
            approval=call.approval,
            approved_by=call.approved_by,
            created_at=call.created_at,
        )
        for call, thread_id_ in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/tenants/current/outbound-allowlist")
async def get_outbound_allowlist(
    auth: AuthDep, session: SessionDep, tool_service: ToolServiceDep
) -> OutboundAllowlistPublic:
    """The hosts the tenant's outbound calls (fetch, web pages, MCP) are limited to; empty:
    any public host."""
    return OutboundAllowlistPublic(hosts=await tool_service.allowlist(session=session, auth=auth))


@router.put("/tenants/current/outbound-allowlist")
async def set_outbound_allowlist(
    data: OutboundAllowlistUpdate,
    auth: TenantAdminDep,
    session: SessionDep,
    client: ClientDep,
    tool_service: ToolServiceDep,
) -> OutboundAllowlistPublic:
    """Replace the allowlist (owners and admins; audited)."""
    hosts = await tool_service.set_allowlist(
        session=session, auth=auth, hosts=data.hosts, client=client
    )
    return OutboundAllowlistPublic(hosts=hosts)
