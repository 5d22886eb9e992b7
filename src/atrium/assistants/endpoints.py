"""HTTP for assistants, shaped like LangGraph's Agent Server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from atrium.agents import graph_info
from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.models import Assistant, AssistantVersion
from atrium.assistants.schemas import (
    AssistantCount,
    AssistantCreate,
    AssistantPublic,
    AssistantSearch,
    AssistantSearchItemPublic,
    AssistantUpdate,
    AssistantVersionPublic,
    GraphDrawingPublic,
    GraphSchemasPublic,
    SetLatest,
    VersionsQuery,
)
from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import SessionDep

router = APIRouter(prefix="/assistants", tags=["assistants"])


def public(a: Assistant) -> AssistantPublic:
    return AssistantPublic(
        assistant_id=a.id,
        graph_id=a.graph_id,
        name=a.name,
        description=a.description,
        config=a.config,
        context=a.context,
        metadata=a.metadata_,
        version=a.version,
        project_id=a.project_id,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def version_public(v: AssistantVersion) -> AssistantVersionPublic:
    return AssistantVersionPublic(
        assistant_id=v.assistant_id,
        graph_id=v.graph_id,
        name=v.name,
        description=v.description,
        config=v.config,
        context=v.context,
        metadata=v.metadata_,
        version=v.version,
        created_at=v.created_at,
    )


@router.post("")
async def create_assistant(
    data: AssistantCreate,
    auth: AuthDep,
    session: SessionDep,
    assistant_service: AssistantServiceDep,
) -> AssistantPublic:
    """Create an assistant on the `agent` graph. Its fields (instructions, model, temperature,
    max_tokens, tools with per-tool policy, knowledge_bases) go in `context` or at the top
    level."""
    return public(await assistant_service.create(session=session, auth=auth, data=data))


@router.post("/search", response_model=list[AssistantSearchItemPublic])
async def search_assistants(
    query: AssistantSearch,
    auth: AuthDep,
    session: SessionDep,
    assistant_service: AssistantServiceDep,
) -> JSONResponse:
    """Assistants matching metadata, graph and name, as a JSON array."""
    rows, total = await assistant_service.search(session=session, auth=auth, query=query)
    items: list[dict[str, Any]] = [public(a).model_dump(mode="json") for a in rows]
    if query.select:
        items = [{k: v for k, v in item.items() if k in query.select} for item in items]
    headers = {"X-Pagination-Total": str(total)}
    if query.offset + len(rows) < total:
        headers["X-Pagination-Next"] = str(query.offset + len(rows))
    return JSONResponse(items, headers=headers)


@router.post("/count")
async def count_assistants(
    query: AssistantCount,
    auth: AuthDep,
    session: SessionDep,
    assistant_service: AssistantServiceDep,
) -> int:
    """How many assistants match."""
    return await assistant_service.count(
        session=session,
        auth=auth,
        metadata=query.metadata,
        graph_id=query.graph_id,
        name=query.name,
        project_id=query.project_id,
    )


@router.get("/{assistant_id}")
async def get_assistant(
    assistant_id: str, auth: AuthDep, session: SessionDep, assistant_service: AssistantServiceDep
) -> AssistantPublic:
    """One assistant (its latest version)."""
    return public(await assistant_service.get(session=session, auth=auth, ref=assistant_id))


@router.patch("/{assistant_id}")
async def update_assistant(
    assistant_id: str,
    data: AssistantUpdate,
    auth: AuthDep,
    session: SessionDep,
    assistant_service: AssistantServiceDep,
) -> AssistantPublic:
    """Change an assistant; every change makes a new version."""
    return public(
        await assistant_service.update(session=session, auth=auth, ref=assistant_id, data=data)
    )


@router.delete("/{assistant_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_assistant(
    assistant_id: str, auth: AuthDep, session: SessionDep, assistant_service: AssistantServiceDep
) -> Response:
    """Delete an assistant and its versions."""
    await assistant_service.delete(session=session, auth=auth, ref=assistant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{assistant_id}/versions")
async def list_versions(
    assistant_id: str,
    query: VersionsQuery,
    auth: AuthDep,
    session: SessionDep,
    assistant_service: AssistantServiceDep,
) -> list[AssistantVersionPublic]:
    """The assistant's versions, newest first."""
    rows = await assistant_service.versions(
        session=session, auth=auth, ref=assistant_id, query=query
    )
    return [version_public(v) for v in rows]


@router.post("/{assistant_id}/latest")
async def set_latest_version(
    assistant_id: str,
    data: SetLatest,
    auth: AuthDep,
    session: SessionDep,
    assistant_service: AssistantServiceDep,
) -> AssistantPublic:
    """Make an earlier version the current one."""
    return public(
        await assistant_service.set_latest(
            session=session, auth=auth, ref=assistant_id, version=data.version
        )
    )


@router.get("/{assistant_id}/schemas")
async def get_schemas(
    assistant_id: str, auth: AuthDep, session: SessionDep, assistant_service: AssistantServiceDep
) -> GraphSchemasPublic:
    """JSON schemas of the graph's input, output, state and context."""
    assistant = await assistant_service.get(session=session, auth=auth, ref=assistant_id)
    return GraphSchemasPublic.model_validate(graph_info.schemas(assistant.graph_id))


@router.get("/{assistant_id}/graph")
async def get_graph(
    assistant_id: str, auth: AuthDep, session: SessionDep, assistant_service: AssistantServiceDep
) -> GraphDrawingPublic:
    """The graph's nodes and edges."""
    assistant = await assistant_service.get(session=session, auth=auth, ref=assistant_id)
    return GraphDrawingPublic.model_validate(graph_info.drawing(assistant.graph_id))
