"""The projects' pages: the list with a form to create one, and one project with its
assistants, threads and knowledge bases. Creating, renaming and deleting go through
`/projects` (the page's forms and projects.js)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.schemas import AssistantSearch
from atrium.auth.permissions import Action, Resource, may
from atrium.kit.deps import SessionDep
from atrium.kit.errors import BadRequest
from atrium.kit.schemas import unstorable
from atrium.knowledge.dependencies import KnowledgeServiceDep
from atrium.projects.dependencies import ProjectServiceDep
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.schemas import ThreadSearch
from atrium.web.pages import page_id, page_router, render, thread_title
from atrium.web.visitor import VisitorDep

router = page_router()

# A page shows this many of each list; the API pages through the rest.
SHOWN = 100


@router.get("/app/projects")
async def projects_page(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    projects: ProjectServiceDep,
    name: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    search = (name or "").strip() or None
    if search is not None and unstorable(search, "name"):
        raise BadRequest("Search for a name without control characters")
    found, total = await projects.list_projects(
        session=session, auth=visitor.auth, name=search, limit=SHOWN, offset=0
    )
    return render(
        request, "projects.html", visitor, projects=found, total=total, search=search or ""
    )


@router.get("/app/projects/{project_id}")
async def project_page(
    project_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    projects: ProjectServiceDep,
    assistants: AssistantServiceDep,
    threads: ThreadServiceDep,
    knowledge: KnowledgeServiceDep,
) -> Response:
    auth = visitor.auth
    project = await projects.get(
        session=session, auth=auth, project_id=page_id(project_id, "Project not found")
    )
    members, _ = await assistants.search(
        session=session,
        auth=auth,
        query=AssistantSearch(project_id=project.id, limit=SHOWN, sort_by="name"),
    )
    chats = await threads.search(
        session=session,
        auth=auth,
        query=ThreadSearch(project_id=project.id, limit=SHOWN, sort_by="updated_at"),
    )
    bases, _ = await knowledge.list_bases(
        session=session, auth=auth, limit=SHOWN, offset=0, project_id=project.id
    )
    return render(
        request,
        "project.html",
        visitor,
        project=project,
        assistants=members,
        threads=[(t, thread_title(t)) for t in chats],
        bases=bases,
        can_change=may(auth, Resource.assistants, Action.change, owner_id=project.created_by),
    )
