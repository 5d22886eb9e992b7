"""The tools of a tenant's MCP servers, for runs: named `<server>__<tool>`, read from what
was discovered and stored (no network call to list them per run); calling one opens a
session with its server, calls the tool and hands back its text, truncated. A server's
answer is untrusted data: text for the model, never executed; an error it reports reaches
the model as a tool error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from atrium.agents.tools import Tool, ToolError, ToolScope
from atrium.kit.db import Database
from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger
from atrium.kit.outbound import OutboundPolicy
from atrium.mcp_servers import client as mcp_client
from atrium.mcp_servers.models import McpServer
from atrium.mcp_servers.schemas import SEPARATOR, TOOL_NAME, exposed_name
from atrium.mcp_servers.service import McpServerService

_log = get_logger("atrium.mcp_servers.tools")

MAX_OUTPUT_CHARS = 16_000


def plain(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """Text that can be stored and shown as text: no NUL, no lone surrogate, capped."""
    cleaned = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if len(cleaned) > limit:
        return cleaned[:limit] + f"\n[truncated: {len(cleaned) - limit} more characters]"
    return cleaned


class McpTools:
    """A `ToolSource`: the enabled MCP servers' tools of the run's tenant, when its plan
    has the `mcp` feature."""

    def __init__(self, *, db: Database, service: McpServerService) -> None:
        self._db = db
        self._service = service

    async def tools(self, scope: ToolScope) -> Sequence[Tool]:
        """The tools `scope.wanted` names, or, when it names none (a listing such as
        GET /tools), every tool offered."""
        if scope.wanted and not any(SEPARATOR in name for name in scope.wanted):
            return []  # a run whose assistant names no MCP tool: no database round trip
        if not await self._service.has_feature(scope.plan_id):
            return []
        async with self._db.transaction(tenant_id=scope.tenant_id) as session:
            servers = await self._service.offered(session=session, tenant_id=scope.tenant_id)
            if not servers:
                return []
            policy = await self._service.policy(session=session, tenant_id=scope.tenant_id)
        found: list[Tool] = []
        for server in servers:
            for spec in server.tools:
                name = exposed_name(server.name, str(spec["name"]))
                if not TOOL_NAME.fullmatch(name):
                    _log.warning("mcp.tool_name_skipped", server=server.name, length=len(name))
                    continue
                if scope.wanted and name not in scope.wanted:
                    continue
                found.append(
                    Tool(
                        name=name,
                        description=plain(str(spec.get("description") or ""), 2000),
                        parameters=dict(spec.get("input_schema") or {"type": "object"}),
                        run=self._runner(server, str(spec["name"]), policy),
                        source=f"mcp:{server.name}",
                    )
                )
        return found

    def _runner(self, server: McpServer, tool: str, policy: OutboundPolicy) -> Any:
        service = self._service

        async def run(args: dict[str, Any]) -> str:
            try:
                outcome = await mcp_client.call_tool(service.target(server, policy), tool, args)
            except AtriumError as exc:
                raise ToolError(exc.message) from exc
            if outcome.is_error:
                raise ToolError(plain(outcome.text or "the tool reported an error", 2000))
            return plain(outcome.text)

        return run
