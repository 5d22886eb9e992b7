"""Tenants' MCP servers: registered (and changed) by admins, read by every role, their
tools discovered when registered or refreshed and stored, so a run lists them without a
network call. Credentials (HTTP headers, or a stdio server's environment) are sealed with
AES-GCM at rest, never returned and never logged. A stdio server runs a command on
Atrium's own host, so only a platform administrator may register one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, require
from atrium.kit.crypto import SecretBox
from atrium.kit.db import set_tenant
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import AtriumError, Conflict, Forbidden, NotFound
from atrium.kit.logging import get_logger
from atrium.kit.models import utcnow
from atrium.kit.outbound import OutboundPolicy
from atrium.mcp_servers import client as mcp_client
from atrium.mcp_servers.models import McpServer
from atrium.mcp_servers.repository import mcp_server_repository
from atrium.mcp_servers.schemas import (
    TOOL_NAME,
    McpServerCreate,
    McpServerPublic,
    McpServerUpdate,
    exposed_name,
    tools_public,
)
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService

_log = get_logger("atrium.mcp_servers")


def _context(tenant_id: uuid.UUID, server_id: uuid.UUID) -> str:
    return f"mcp-server/{tenant_id}/{server_id}"


def public(server: McpServer) -> McpServerPublic:
    return McpServerPublic(
        id=server.id,
        name=server.name,
        transport=server.transport,
        url=server.url,
        command=server.command,
        args=list(server.args),
        has_credentials=server.credentials is not None,
        enabled=server.enabled,
        tools=tools_public(server.name, server.tools),
        tools_discovered_at=server.tools_discovered_at,
        created_by=server.created_by,
        created_at=server.created_at,
        updated_at=server.updated_at,
    )


class McpServerService:
    def __init__(self, *, secrets: SecretBox, tenants: TenantService) -> None:
        self._secrets = secrets
        self._tenants = tenants

    # --- reading -------------------------------------------------------------------------

    async def list_servers(self, *, session: AsyncSession, auth: AuthContext) -> list[McpServer]:
        """The tenant's MCP servers (every role; never their credentials)."""
        require(auth, Resource.mcp_servers, Action.read)
        return await mcp_server_repository.list(session, tenant_id=auth.tenant_id)

    async def get(
        self, *, session: AsyncSession, auth: AuthContext, server_id: uuid.UUID
    ) -> McpServer:
        server = await mcp_server_repository.get(
            session, tenant_id=auth.tenant_id, server_id=server_id
        )
        if server is None:
            raise NotFound("MCP server not found")
        require(auth, Resource.mcp_servers, Action.read)
        return server

    # --- changing ------------------------------------------------------------------------

    async def create(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        data: McpServerCreate,
        client: ClientInfo,
    ) -> McpServer:
        """Register a server and discover its tools at once: one that cannot be reached is
        refused (422, or 400 for an address the tenant may not reach) and nothing is kept."""
        require(auth, Resource.mcp_servers, Action.change)
        await self._require_feature(auth)
        if data.transport == "stdio":
            self._require_stdio(auth)
        server = McpServer(
            id=uuid.uuid4(),
            tenant_id=auth.tenant_id,
            name=data.name,
            transport=data.transport,
            url=str(data.url) if data.url is not None else None,
            command=data.command,
            args=list(data.args),
            enabled=data.enabled,
            created_by=auth.user_id,
        )
        self._seal(server, data.credentials)
        await self._discover(session, server, secrets=data.credentials or {})
        try:
            async with session.begin_nested():
                await mcp_server_repository.add(session, server)
        except IntegrityError as exc:
            raise Conflict(
                f"An MCP server named {data.name!r} is already registered", field="name"
            ) from exc
        await self._audit(session, auth, client, "mcp_server.created", server)
        return server

    async def update(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        server_id: uuid.UUID,
        data: McpServerUpdate,
        client: ClientInfo,
    ) -> McpServer:
        """Change a server; a new address, command or credentials discover its tools again."""
        server = await self.get(session=session, auth=auth, server_id=server_id)
        require(auth, Resource.mcp_servers, Action.change)
        await self._require_feature(auth)
        changes = data.model_dump(exclude_unset=True)
        if server.transport == "stdio":
            self._require_stdio(auth)
            if "url" in changes:
                raise _invalid("a stdio server takes no url", "url")
        elif "command" in changes or "args" in changes:
            raise _invalid("an http server takes no command or args", "command")
        for name in ("url", "command", "args"):
            if name in changes and changes[name] is None:
                raise _invalid(f"{name} cannot be removed", name)
        if data.name is not None:
            server.name = data.name
        if data.enabled is not None:
            server.enabled = data.enabled
        if data.url is not None:
            server.url = str(data.url)
        if data.command is not None:
            server.command = data.command
        if data.args is not None:
            server.args = list(data.args)
        if "credentials" in changes:
            self._seal(server, data.credentials or None)
        if changes.keys() & {"url", "command", "args", "credentials"}:
            await self._discover(session, server, secrets=self._open(server))
        server.updated_at = utcnow()
        try:
            async with session.begin_nested():
                await mcp_server_repository.flush(session, server)
        except IntegrityError as exc:
            raise Conflict(
                f"An MCP server named {server.name!r} is already registered", field="name"
            ) from exc
        await self._audit(session, auth, client, "mcp_server.updated", server)
        return server

    async def refresh(
        self, *, session: AsyncSession, auth: AuthContext, server_id: uuid.UUID, client: ClientInfo
    ) -> McpServer:
        """Discover the server's tools again."""
        server = await self.get(session=session, auth=auth, server_id=server_id)
        require(auth, Resource.mcp_servers, Action.change)
        await self._require_feature(auth)
        if server.transport == "stdio":
            self._require_stdio(auth)
        await self._discover(session, server, secrets=self._open(server))
        server.updated_at = utcnow()
        await mcp_server_repository.flush(session, server)
        await self._audit(session, auth, client, "mcp_server.refreshed", server)
        return server

    async def delete(
        self, *, session: AsyncSession, auth: AuthContext, server_id: uuid.UUID, client: ClientInfo
    ) -> None:
        server = await self.get(session=session, auth=auth, server_id=server_id)
        require(auth, Resource.mcp_servers, Action.change)
        await mcp_server_repository.delete(session, tenant_id=auth.tenant_id, server_id=server.id)
        await self._audit(session, auth, client, "mcp_server.deleted", server)

    # --- for runs ------------------------------------------------------------------------

    async def offered(self, *, session: AsyncSession, tenant_id: uuid.UUID) -> list[McpServer]:
        """The tenant's enabled servers, as stored (this transaction is scoped to it)."""
        return await mcp_server_repository.list(session, tenant_id=tenant_id, enabled_only=True)

    async def policy(self, *, session: AsyncSession, tenant_id: uuid.UUID) -> OutboundPolicy:
        """The tenant's outbound policy, read now (the switch may have been turned off)."""
        return await self._tenants.outbound_policy(session=session, tenant_id=tenant_id)

    def target(self, server: McpServer, policy: OutboundPolicy) -> mcp_client.Target:
        """Where to reach the server, its credentials opened for one connection."""
        return mcp_client.Target(
            transport=server.transport,
            url=server.url,
            command=server.command,
            args=tuple(server.args),
            secrets=self._open(server),
            policy=policy,
        )

    async def has_feature(self, plan_id: str | None) -> bool:
        if plan_id is None:
            return False
        return (await self._tenants.plan_limits(plan_id)).has(Feature.mcp)

    async def reseal_all(self, *, session: AsyncSession, tenant_ids: list[uuid.UUID]) -> int:
        """Re-encrypt every server's credentials under the current secret key (after a
        rotation, with the old key in ATRIUM_SECRET_KEY_PREVIOUS). Returns how many."""
        box = self._secrets
        count = 0
        for tenant_id in tenant_ids:
            await set_tenant(session, tenant_id)
            for server in await mcp_server_repository.list(session, tenant_id=tenant_id):
                if server.credentials is None or box.is_current(server.credentials):
                    continue
                context = _context(tenant_id, server.id)
                server.credentials = box.seal(
                    box.open(server.credentials, context=context), context=context
                )
                count += 1
        await session.flush()
        return count

    # --- helpers -------------------------------------------------------------------------

    async def _require_feature(self, auth: AuthContext) -> None:
        if not await self.has_feature(auth.plan_id):
            raise Forbidden("Your plan does not include MCP servers (feature mcp)")

    @staticmethod
    def _require_stdio(auth: AuthContext) -> None:
        # A stdio server is a command run on Atrium's host: a platform's decision.
        if not (auth.is_user_session and auth.is_platform_admin):
            raise Forbidden("Only a platform administrator may register a stdio MCP server")

    def _seal(self, server: McpServer, credentials: dict[str, str] | None) -> None:
        server.credentials = (
            self._secrets.seal(
                json.dumps(credentials), context=_context(server.tenant_id, server.id)
            )
            if credentials
            else None
        )

    def _open(self, server: McpServer) -> dict[str, str]:
        if server.credentials is None:
            return {}
        opened: dict[str, str] = json.loads(
            self._secrets.open(server.credentials, context=_context(server.tenant_id, server.id))
        )
        return opened

    async def _discover(
        self, session: AsyncSession, server: McpServer, *, secrets: dict[str, str]
    ) -> None:
        policy = await self.policy(session=session, tenant_id=server.tenant_id)
        target = mcp_client.Target(
            transport=server.transport,
            url=server.url,
            command=server.command,
            args=tuple(server.args),
            secrets=secrets,
            policy=policy,
        )
        found = await mcp_client.list_tools(target)
        skipped = [
            t.name for t in found if not TOOL_NAME.fullmatch(exposed_name(server.name, t.name))
        ]
        if skipped:
            _log.warning(
                "mcp.tools_skipped", server=server.name, count=len(skipped), tools=skipped[:20]
            )
        server.tools = [asdict(t) for t in found]
        server.tools_discovered_at = utcnow()

    async def _audit(
        self,
        session: AsyncSession,
        auth: AuthContext,
        client: ClientInfo,
        action: str,
        server: McpServer,
    ) -> None:
        details: dict[str, Any] = {"name": server.name, "transport": server.transport}
        await audit_service.record_by(
            session=session,
            auth=auth,
            action=action,
            client=client,
            target_type="mcp_server",
            target_id=server.id,
            details=details,
        )


class InvalidChange(AtriumError):
    status_code = 422
    code = "validation_error"


def _invalid(message: str, field: str) -> InvalidChange:
    return InvalidChange(f"{field}: {message}", field=field)
