"""Rules of the tools domain: what a tenant can use (`GET /tools`), the record of what its
runs called, and its outbound policy (the allowlist its admins set)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.agents.tools import ToolScope, ToolSource
from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, require
from atrium.kit.db import Database
from atrium.kit.deps import ClientInfo
from atrium.kit.outbound import OutboundPolicy
from atrium.runs.models import ToolCall
from atrium.tenants.limits import Feature, PlanLimits
from atrium.tenants.service import TenantService
from atrium.threads.service import ThreadService
from atrium.tools.builtins import Builtins, Listed
from atrium.tools.repository import tool_repository
from atrium.tools.schemas import ToolPublic


class OutboundPolicies:
    """A tenant's outbound policy (see `TenantService.outbound_policy`), read in a
    transaction of its own, for tools that run outside a request."""

    def __init__(self, db: Database, tenant_service: TenantService) -> None:
        self._db = db
        self._tenants = tenant_service

    async def __call__(self, tenant_id: uuid.UUID) -> OutboundPolicy:
        async with self._db.transaction(tenant_id=tenant_id) as session:
            return await self._tenants.outbound_policy(session=session, tenant_id=tenant_id)


def _unavailable(source: str, limits: PlanLimits) -> str | None:
    """Why the plan does not offer a tool of this source, or None."""
    if not limits.has(Feature.tools):
        return "Your plan does not include tools"
    if source.startswith("mcp") and not limits.has(Feature.mcp):
        return "Your plan does not include MCP servers"
    if source == "knowledge" and not limits.has(Feature.knowledge):
        return "Your plan does not include knowledge bases"
    return None


class ToolService:
    def __init__(
        self,
        *,
        sources: Sequence[ToolSource],
        tenant_service: TenantService,
        thread_service: ThreadService,
    ) -> None:
        self._sources = tuple(sources)
        self._tenants = tenant_service
        self._threads = thread_service

    async def list_tools(self, *, session: AsyncSession, auth: AuthContext) -> list[ToolPublic]:
        """Every source's tools for the caller's tenant, each with whether the tenant can use
        it (its plan's features, the operator's configuration)."""
        require(auth, Resource.assistants, Action.read)
        limits = await self._tenants.plan_limits(auth.plan_id)
        scope = ToolScope(
            tenant_id=auth.tenant_id,
            user_id=auth.user_id,
            api_key_id=auth.api_key_id,
            plan_id=auth.plan_id,
            listing=True,
        )
        found: dict[str, ToolPublic] = {}
        for source in self._sources:
            if isinstance(source, Builtins):
                listed = source.listing(scope)
            else:
                listed = [Listed(t) for t in await source.tools(scope)]
            for item in listed:
                tool = item.tool
                if tool.name in found:
                    continue  # the run executor takes the first source's tool of a name too
                reason = _unavailable(tool.source, limits) or item.unavailable
                found[tool.name] = ToolPublic(
                    name=tool.name,
                    description=tool.description,
                    parameters=tool.parameters,
                    source=tool.source,
                    available=reason is None,
                    unavailable_reason=reason,
                )
        return list(found.values())

    async def invocations(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        run_id: uuid.UUID | None,
        thread_id: uuid.UUID | None,
        name: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[ToolCall, uuid.UUID]], int]:
        """The tenant's tool calls, newest first: a member's only on threads they may see
        (the threads' own rule), an admin's all."""
        require(auth, Resource.threads, Action.read)
        return await tool_repository.invocations(
            session,
            tenant_id=auth.tenant_id,
            owner_id=self._threads.visible_owner(auth),
            run_id=run_id,
            thread_id=thread_id,
            name=name,
            limit=limit,
            offset=offset,
        )

    async def allowlist(self, *, session: AsyncSession, auth: AuthContext) -> list[str]:
        require(auth, Resource.tenant, Action.read)
        policy = await self._tenants.outbound_policy(session=session, tenant_id=auth.tenant_id)
        return list(policy.allowlist)

    async def set_allowlist(
        self, *, session: AsyncSession, auth: AuthContext, hosts: list[str], client: ClientInfo
    ) -> list[str]:
        """Limit the tenant's outbound calls to these hosts (owners and admins; audited)."""
        require(auth, Resource.tenant, Action.change)
        before = await self._tenants.set_outbound_allowlist(
            session=session, tenant_id=auth.tenant_id, hosts=hosts
        )
        await audit_service.record_by(
            session=session,
            auth=auth,
            action="tenant.outbound_allowlist_changed",
            client=client,
            target_type="tenant",
            target_id=auth.tenant_id,
            details={"before": before, "after": hosts},
        )
        return hosts
