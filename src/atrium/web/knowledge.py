"""The knowledge pages: the bases' list and one base with its files, upload, URL ingestion
and search. The pages only read; uploads, retries, deletes and searches are made by
knowledge.js through the JSON API (`/knowledge/*`)."""

from __future__ import annotations

from fastapi import Request, Response

from atrium.kit.deps import SessionDep
from atrium.knowledge.dependencies import KnowledgeServiceDep
from atrium.knowledge.models import FileStatus
from atrium.knowledge.schemas import SearchMode
from atrium.projects.dependencies import ProjectServiceDep
from atrium.web.pages import page_id, page_router, render
from atrium.web.scope import project_scope
from atrium.web.visitor import VisitorDep

router = page_router()

# Statuses a file leaves by itself: while one is shown, the page polls the file list.
PENDING = frozenset({FileStatus.queued, FileStatus.parsing, FileStatus.embedding})


@router.get("/app/knowledge")
async def knowledge_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
    projects: ProjectServiceDep,
    project: str = "",
) -> Response:
    scope = await project_scope(session=session, auth=visitor.auth, projects=projects, raw=project)
    bases, _ = await knowledge.list_bases(
        session=session, auth=visitor.auth, limit=200, offset=0, project_id=scope.project_id
    )
    totals = await knowledge.base_totals(
        session=session, auth=visitor.auth, base_ids=[b.id for b in bases]
    )
    return render(
        request,
        "knowledge.html",
        visitor,
        bases=bases,
        totals=totals,
        changeable={b.id for b in bases if knowledge.may_change(visitor.auth, b)},
        included=await knowledge.included(visitor.auth),
        scope=scope,
    )


@router.get("/app/knowledge/{base_id}")
async def knowledge_base_page(
    base_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> Response:
    key = page_id(base_id, "Knowledge base not found")
    base = await knowledge.get_base(session=session, auth=visitor.auth, base_id=key)
    files = await knowledge.list_files(session=session, auth=visitor.auth, base_id=key)
    return render(
        request,
        "knowledge_base.html",
        visitor,
        base=base,
        files=files,
        can_change=knowledge.may_change(visitor.auth, base),
        pending=PENDING,
        modes=list(SearchMode),
        included=await knowledge.included(visitor.auth),
    )
