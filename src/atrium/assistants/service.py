"""Assistants: instructions, model, tools and knowledge, versioned on every change.

A graph name used as an id (`"agent"`) resolves, as on LangGraph's Agent Server, to the
tenant's system assistant for that graph, created on first use.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.agents.spec import CONTEXT_FIELDS, GRAPH_ID, AssistantContext, system_assistant_id
from atrium.assistants.models import Assistant, AssistantVersion
from atrium.assistants.repository import assistant_repository
from atrium.assistants.schemas import (
    AssistantCreate,
    AssistantSearch,
    AssistantUpdate,
    VersionsQuery,
)
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, require, require_on
from atrium.kit.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded
from atrium.kit.models import utcnow
from atrium.projects.service import ProjectService
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService

GRAPHS = frozenset({GRAPH_ID})


def _merge_context(data: AssistantCreate | AssistantUpdate, base: dict[str, Any]) -> dict[str, Any]:
    # JSON Merge Patch (RFC 7396) on the context: a key left out stays, a key sent as null
    # is removed (a limit or the temperature can be cleared), any other value replaces.
    context = dict(base)
    if data.context is not None:
        for key, value in data.context.model_dump(exclude_unset=True, mode="json").items():
            if value is None:
                context.pop(key, None)
            else:
                context[key] = value
    top = data.model_dump(include=set(CONTEXT_FIELDS), exclude_none=True, mode="json")
    context.update(top)
    return AssistantContext.model_validate(context).model_dump(exclude_none=True, mode="json")


def _check_graph(graph_id: str | None) -> str:
    graph = graph_id or GRAPH_ID
    if graph not in GRAPHS:
        raise BadRequest(
            f"Unknown graph `{graph}`; available: {', '.join(sorted(GRAPHS))}", field="graph_id"
        )
    return graph


def parse_assistant_ref(ref: str) -> uuid.UUID:
    """An assistant id, or a graph name standing for that graph's system assistant."""
    if ref in GRAPHS:
        return system_assistant_id(ref)
    try:
        return uuid.UUID(ref)
    except ValueError:
        raise NotFound("Assistant not found") from None


class AssistantService:
    def __init__(
        self, *, tenant_service: TenantService, projects: ProjectService, default_model: str
    ) -> None:
        self._tenants, self._projects = tenant_service, projects
        self._default_model = default_model

    async def create(
        self, *, session: AsyncSession, auth: AuthContext, data: AssistantCreate
    ) -> Assistant:
        """A new assistant, owned by the caller (or by the creator of the calling key)."""
        require(auth, Resource.assistants, Action.create)
        graph = _check_graph(data.graph_id)
        assistant_id = data.assistant_id or uuid.uuid4()
        existing = await assistant_repository.get(
            session, tenant_id=auth.tenant_id, assistant_id=assistant_id
        )
        if existing is not None:
            if data.if_exists == "do_nothing":
                return existing
            raise Conflict(f"Assistant {assistant_id} already exists", field="assistant_id")
        await self._check_quota(session=session, auth=auth)
        config = data.config.model_dump(exclude_none=True) if data.config else {}
        context = _merge_context(data, {})
        await self._check_tools(auth=auth, context=context)
        project_id = await self._projects.assignable(
            session=session, auth=auth, project_id=data.project_id
        )
        assistant = Assistant(
            tenant_id=auth.tenant_id,
            id=assistant_id,
            graph_id=graph,
            name=data.name or "Untitled",
            description=data.description,
            config=config,
            context=context,
            metadata_=data.metadata or {},
            version=1,
            project_id=project_id,
            created_by=auth.user_id,
        )
        try:
            async with session.begin_nested():
                await assistant_repository.add(session, assistant)
        except IntegrityError as exc:
            raise Conflict(f"Assistant {assistant_id} already exists") from exc
        await self._snapshot(session, assistant)
        return assistant

    async def _check_quota(self, *, session: AsyncSession, auth: AuthContext) -> None:
        limits = await self._tenants.plan_limits(auth.plan_id)
        limit = limits.max_assistants
        if limit is not None:
            count = await assistant_repository.count(session, tenant_id=auth.tenant_id)
            if count >= limit:
                raise QuotaExceeded(f"Your plan allows {limit} assistants")

    async def _check_tools(self, *, auth: AuthContext, context: dict[str, Any]) -> None:
        """A plan without `tools` runs assistants that only talk: none may be given tools."""
        if context.get("tools") and not (await self._tenants.plan_limits(auth.plan_id)).has(
            Feature.tools
        ):
            raise Forbidden("Your plan does not include tools", field="tools")

    async def _snapshot(self, session: AsyncSession, assistant: Assistant) -> None:
        await assistant_repository.add_version(
            session,
            AssistantVersion(
                tenant_id=assistant.tenant_id,
                assistant_id=assistant.id,
                version=assistant.version,
                graph_id=assistant.graph_id,
                name=assistant.name,
                description=assistant.description,
                config=assistant.config,
                context=assistant.context,
                metadata_=assistant.metadata_,
            ),
        )

    async def get(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, lock: bool = False
    ) -> Assistant:
        assistant_id = parse_assistant_ref(ref)
        assistant = await assistant_repository.get(
            session, tenant_id=auth.tenant_id, assistant_id=assistant_id, lock=lock
        )
        if assistant is None and ref in GRAPHS:
            assistant = await self._system_assistant(session=session, auth=auth, graph=ref)
        if assistant is None:
            raise NotFound("Assistant not found")
        return assistant

    async def _system_assistant(
        self, *, session: AsyncSession, auth: AuthContext, graph: str
    ) -> Assistant:
        assistant = Assistant(
            tenant_id=auth.tenant_id,
            id=system_assistant_id(graph),
            graph_id=graph,
            name=graph,
            description=None,
            config={},
            context={"model": self._default_model},
            metadata_={"created_by": "system"},
            version=1,
        )
        try:
            async with session.begin_nested():
                await assistant_repository.add(session, assistant)
                await self._snapshot(session, assistant)
        except IntegrityError:  # created concurrently by another request
            found = await assistant_repository.get(
                session, tenant_id=auth.tenant_id, assistant_id=assistant.id
            )
            assert found is not None
            return found
        return assistant

    async def _changeable(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, lock: bool = False
    ) -> Assistant:
        """The assistant, if the caller may change it: owners and admins every one, members
        their own (an assistant is readable by the whole tenant, so 403 reveals nothing)."""
        assistant = await self.get(session=session, auth=auth, ref=ref, lock=lock)
        require_on(auth, Resource.assistants, Action.change, owner_id=assistant.created_by)
        return assistant

    async def update(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, data: AssistantUpdate
    ) -> Assistant:
        """A new version of the assistant (owners and admins; members their own)."""
        assistant = await self._changeable(session=session, auth=auth, ref=ref, lock=True)
        if data.graph_id is not None:
            assistant.graph_id = _check_graph(data.graph_id)
        if data.config is not None:
            assistant.config = data.config.model_dump(exclude_none=True)
        assistant.context = _merge_context(data, assistant.context)
        await self._check_tools(auth=auth, context=assistant.context)
        if data.metadata:
            assistant.metadata_ = {**assistant.metadata_, **data.metadata}
        if data.name:
            assistant.name = data.name
        if data.description:
            assistant.description = data.description
        if "project_id" in data.model_fields_set:
            assistant.project_id = await self._projects.assignable(
                session=session, auth=auth, project_id=data.project_id
            )
        latest = await assistant_repository.max_version(
            session, tenant_id=auth.tenant_id, assistant_id=assistant.id
        )
        assistant.version = latest + 1
        assistant.updated_at = utcnow()
        await session.flush()
        await self._snapshot(session, assistant)
        return assistant

    async def delete(self, *, session: AsyncSession, auth: AuthContext, ref: str) -> None:
        """Delete the assistant (owners and admins; members their own)."""
        assistant = await self._changeable(session=session, auth=auth, ref=ref)
        await assistant_repository.delete(
            session, tenant_id=auth.tenant_id, assistant_id=assistant.id
        )

    async def search(
        self, *, session: AsyncSession, auth: AuthContext, query: AssistantSearch
    ) -> tuple[list[Assistant], int]:
        return await assistant_repository.search(
            session,
            tenant_id=auth.tenant_id,
            metadata=query.metadata,
            graph_id=query.graph_id,
            name=query.name,
            project_id=query.project_id,
            limit=query.limit,
            offset=query.offset,
            sort_by=query.sort_by or "created_at",
            descending=(query.sort_order or "desc") == "desc",
        )

    async def count(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        metadata: dict[str, Any] | None,
        graph_id: str | None,
        name: str | None,
        project_id: uuid.UUID | None = None,
    ) -> int:
        return await assistant_repository.count(
            session,
            tenant_id=auth.tenant_id,
            metadata=metadata,
            graph_id=graph_id,
            name=name,
            project_id=project_id,
        )

    async def versions(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, query: VersionsQuery
    ) -> list[AssistantVersion]:
        assistant = await self.get(session=session, auth=auth, ref=ref)
        rows = await assistant_repository.versions(
            session,
            tenant_id=auth.tenant_id,
            assistant_id=assistant.id,
            metadata=query.metadata,
            limit=query.limit,
            offset=query.offset,
        )
        return rows

    async def set_latest(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, version: int
    ) -> Assistant:
        """Make an earlier version current (owners and admins; members their own)."""
        assistant = await self._changeable(session=session, auth=auth, ref=ref, lock=True)
        snapshot = await assistant_repository.get_version(
            session, tenant_id=auth.tenant_id, assistant_id=assistant.id, version=version
        )
        if snapshot is None:
            raise NotFound(f"Assistant version {version} not found", field="version")
        assistant.version = snapshot.version
        assistant.graph_id = snapshot.graph_id
        assistant.name = snapshot.name
        assistant.description = snapshot.description
        assistant.config = snapshot.config
        assistant.context = snapshot.context
        assistant.metadata_ = snapshot.metadata_
        assistant.updated_at = utcnow()
        await session.flush()
        return assistant
