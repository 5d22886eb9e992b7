"""HTTP for tenants' MCP servers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import ClientDep, SessionDep, provided
from atrium.mcp_servers.schemas import (
    McpServerCreate,
    McpServerPublic,
    McpServerUpdate,
    McpToolPublic,
)
from atrium.mcp_servers.service import McpServerService, public

router = APIRouter(prefix="/mcp-servers", tags=["mcp-servers"])
McpServerServiceDep = Annotated[McpServerService, Depends(provided("mcp_server_service"))]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_mcp_server(
    data: McpServerCreate,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    mcp_server_service: McpServerServiceDep,
) -> McpServerPublic:
    """Register an MCP server (owners and admins; `stdio` only by a platform administrator).
    Its tools are discovered at once; a server that cannot be reached is refused and
    nothing is stored. Credentials are encrypted at rest and never shown again."""
    server = await mcp_server_service.create(session=session, auth=auth, data=data, client=client)
    return public(server)


@router.get("")
async def list_mcp_servers(
    auth: AuthDep, session: SessionDep, mcp_server_service: McpServerServiceDep
) -> list[McpServerPublic]:
    """The tenant's MCP servers, without their credentials (every role)."""
    servers = await mcp_server_service.list_servers(session=session, auth=auth)
    return [public(s) for s in servers]


@router.get("/{server_id}")
async def get_mcp_server(
    server_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    mcp_server_service: McpServerServiceDep,
) -> McpServerPublic:
    """One MCP server, without its credentials."""
    return public(await mcp_server_service.get(session=session, auth=auth, server_id=server_id))


@router.patch("/{server_id}")
async def update_mcp_server(
    server_id: uuid.UUID,
    data: McpServerUpdate,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    mcp_server_service: McpServerServiceDep,
) -> McpServerPublic:
    """Change an MCP server (owners and admins)."""
    server = await mcp_server_service.update(
        session=session, auth=auth, server_id=server_id, data=data, client=client
    )
    return public(server)


@router.delete("/{server_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_mcp_server(
    server_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    mcp_server_service: McpServerServiceDep,
) -> Response:
    """Remove an MCP server; runs no longer see its tools."""
    await mcp_server_service.delete(session=session, auth=auth, server_id=server_id, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{server_id}/refresh")
async def refresh_mcp_server(
    server_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    mcp_server_service: McpServerServiceDep,
) -> McpServerPublic:
    """Discover the server's tools again (owners and admins)."""
    server = await mcp_server_service.refresh(
        session=session, auth=auth, server_id=server_id, client=client
    )
    return public(server)


@router.get("/{server_id}/tools")
async def list_mcp_server_tools(
    server_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    mcp_server_service: McpServerServiceDep,
) -> list[McpToolPublic]:
    """The tools last discovered on the server, by the names assistants use for them."""
    return public(
        await mcp_server_service.get(session=session, auth=auth, server_id=server_id)
    ).tools
