"""The assistants' pages: the list, the form (create and edit), an assistant's versions and a
side chat to try it. Every change goes through the JSON API from static/assistants.js; these
handlers only read, through the services the API uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.models import Assistant, AssistantVersion
from atrium.assistants.schemas import AssistantSearch, VersionsQuery
from atrium.auth.permissions import Action, Resource, may
from atrium.gateway.service import GatewayService
from atrium.kit.deps import SessionDep, provided
from atrium.knowledge.dependencies import KnowledgeServiceDep
from atrium.knowledge.service import KnowledgeService
from atrium.projects.dependencies import ProjectServiceDep
from atrium.projects.service import ProjectService
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService
from atrium.tools.service import ToolService
from atrium.web.pages import TenantServiceDep, page_router, render
from atrium.web.scope import project_scope
from atrium.web.visitor import Visitor, VisitorDep

router = page_router()

GatewayServiceDep = Annotated[GatewayService, Depends(provided("gateway_service"))]
ToolServiceDep = Annotated[ToolService, Depends(provided("tool_service"))]

# The policies of agents/spec.py's ToolSpec, plus "off": the tool is not named at all.
POLICIES = (
    ("off", "Off"),
    ("allow", "Allow: runs on its own"),
    ("ask", "Ask: a person approves each call"),
    ("deny", "Deny: named but never offered"),
)
# The per-assistant limits the run executor reads (agents/spec.py's AssistantContext).
LIMITS = (
    ("max_tokens", "Longest answer, in tokens", "1", "100000", "1"),
    ("max_steps", "Most model and tool steps a run takes", "1", "100", "1"),
    ("max_run_tokens", "Most tokens a run spends, over all its model calls", "1", "100000000", "1"),
    ("max_seconds", "Longest a run may take, in seconds", "0.1", "86400", "any"),
)
VERSIONS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ToolRow:
    name: str
    description: str
    source: str
    policy: str
    config: dict[str, Any]
    reason: str | None

    @property
    def locked(self) -> bool:
        """Unavailable and unused: nothing to choose. (An unavailable tool the assistant
        still names stays changeable, so it can be switched off.)"""
        return self.reason is not None and self.policy == "off"


async def _form(
    *,
    session: AsyncSession,
    visitor: Visitor,
    assistant: Assistant | None,
    gateway: GatewayService,
    tools: ToolService,
    knowledge: KnowledgeService,
    tenants: TenantService,
    projects: ProjectService,
    project: str = "",
) -> dict[str, Any]:
    """What the form offers: the plan's models, every source's tools with the assistant's
    policy for each, the tenant's knowledge bases and projects (a new assistant starts in
    `project`, the project whose page linked here)."""
    auth = visitor.auth
    context = assistant.context if assistant else {}
    plan = await tenants.plan_limits(auth.plan_id)
    models = await gateway.offered_models(session=session, auth=auth)
    named = {
        str(t["name"]): t for t in context.get("tools") or [] if isinstance(t, dict) and "name" in t
    }
    rows = [
        ToolRow(
            name=t.name,
            description=t.description,
            source=t.source,
            policy=str(named.get(t.name, {}).get("policy", "allow") if t.name in named else "off"),
            config=dict(named.get(t.name, {}).get("config") or {}),
            reason=t.unavailable_reason,
        )
        for t in await tools.list_tools(session=session, auth=auth)
    ]
    listed = {r.name for r in rows}
    rows += [
        ToolRow(
            name=name,
            description="",
            source="",
            policy=str(spec.get("policy", "allow")),
            config=dict(spec.get("config") or {}),
            reason="No tool source offers this tool any more",
        )
        for name, spec in named.items()
        if name not in listed
    ]
    bases, _ = await knowledge.list_bases(session=session, auth=auth, limit=200, offset=0)
    scope = await project_scope(session=session, auth=auth, projects=projects, raw=project)
    model = str(context.get("model") or "")
    return {
        "models": models,
        "model": model,
        "model_listed": not model or model in models,
        "tools": rows,
        "policies": POLICIES,
        "bases": bases,
        "chosen_bases": {str(b) for b in context.get("knowledge_bases") or []},
        "has_knowledge": plan.has(Feature.knowledge),
        "limits": LIMITS,
        "ctx": context,
        "scope": scope,
        "current_project": assistant.project_id if assistant else scope.project_id,
    }


def _changes(version: AssistantVersion, previous: AssistantVersion | None) -> str:
    """What a version changed from the one before it, in a few words."""
    if previous is None:
        return "Created"
    words = {
        "instructions": "instructions",
        "model": "model",
        "temperature": "temperature",
        "tools": "tools",
        "knowledge_bases": "knowledge bases",
    }
    changed = ["name"] if version.name != previous.name else []
    for key in sorted(set(version.context) | set(previous.context)):
        if version.context.get(key) != previous.context.get(key):
            changed.append(words.get(key, "limits"))
    changed = list(dict.fromkeys(changed))
    return "Changed " + ", ".join(changed) if changed else "No change"


@router.get("/app/assistants")
async def assistants_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    assistants: AssistantServiceDep,
    projects: ProjectServiceDep,
    project: str = "",
) -> Response:
    scope = await project_scope(session=session, auth=visitor.auth, projects=projects, raw=project)
    found, _ = await assistants.search(
        session=session,
        auth=visitor.auth,
        query=AssistantSearch(limit=200, sort_by="name", project_id=scope.project_id),
    )
    return render(request, "assistants.html", visitor, assistants=found, scope=scope)


@router.get("/app/assistants/new")
async def new_assistant_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    gateway: GatewayServiceDep,
    tools: ToolServiceDep,
    knowledge: KnowledgeServiceDep,
    tenants: TenantServiceDep,
    projects: ProjectServiceDep,
    project: str = "",
) -> Response:
    form = await _form(
        session=session,
        visitor=visitor,
        assistant=None,
        gateway=gateway,
        tools=tools,
        knowledge=knowledge,
        tenants=tenants,
        projects=projects,
        project=project,
    )
    return render(request, "assistant_form.html", visitor, assistant=None, may_change=True, **form)


@router.get("/app/assistants/{assistant_id}")
async def assistant_page(
    assistant_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    assistants: AssistantServiceDep,
    gateway: GatewayServiceDep,
    tools: ToolServiceDep,
    knowledge: KnowledgeServiceDep,
    tenants: TenantServiceDep,
    projects: ProjectServiceDep,
    saved: int | None = None,
) -> Response:
    """The assistant's form, its versions (the one in use marked) and a side chat."""
    assistant = await assistants.get(session=session, auth=visitor.auth, ref=assistant_id)
    form = await _form(
        session=session,
        visitor=visitor,
        assistant=assistant,
        gateway=gateway,
        tools=tools,
        knowledge=knowledge,
        tenants=tenants,
        projects=projects,
    )
    versions = await assistants.versions(
        session=session,
        auth=visitor.auth,
        ref=str(assistant.id),
        query=VersionsQuery(limit=VERSIONS_SHOWN + 1),
    )
    # Newest first; the version after each in the list is the one it changed.
    shown = [
        (v, _changes(v, versions[i + 1] if i + 1 < len(versions) else None))
        for i, v in enumerate(versions[:VERSIONS_SHOWN])
    ]
    return render(
        request,
        "assistant_form.html",
        visitor,
        assistant=assistant,
        may_change=may(
            visitor.auth, Resource.assistants, Action.change, owner_id=assistant.created_by
        ),
        versions=shown,
        more_versions=len(versions) > VERSIONS_SHOWN,
        saved=saved,
        **form,
    )
