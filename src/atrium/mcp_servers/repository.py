"""SQL for tenants' MCP servers (credentials stay sealed here; isolated by row-level
security)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from atrium.kit.errors import NotFound
from atrium.mcp_servers.models import McpServer


class McpServerRepository:
    async def add(self, session: AsyncSession, server: McpServer) -> McpServer:
        session.add(server)
        await session.flush()
        await session.refresh(server)
        return server

    async def list(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, enabled_only: bool = False
    ) -> list[McpServer]:
        stmt = select(McpServer).where(McpServer.tenant_id == tenant_id).order_by(McpServer.name)
        if enabled_only:
            stmt = stmt.where(McpServer.enabled.is_(True))
        return list(await session.scalars(stmt))

    async def get(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, server_id: uuid.UUID
    ) -> McpServer | None:
        stmt = select(McpServer).where(McpServer.tenant_id == tenant_id, McpServer.id == server_id)
        return await session.scalar(stmt)

    async def flush(self, session: AsyncSession, server: McpServer) -> McpServer:
        """Write the server's changes; one deleted meanwhile (a refresh's discovery takes a
        while, and a delete may commit during it) is not found, not a stale-data crash."""
        try:
            await session.flush()
        except StaleDataError:
            raise NotFound("MCP server not found") from None
        await session.refresh(server)
        return server

    async def delete(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, server_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(McpServer).where(McpServer.tenant_id == tenant_id, McpServer.id == server_id)
        )


mcp_server_repository = McpServerRepository()
