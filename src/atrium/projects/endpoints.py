"""HTTP for projects."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import SessionDep
from atrium.kit.schemas import Limit, Offset, Page
from atrium.projects.dependencies import ProjectServiceDep
from atrium.projects.models import Project
from atrium.projects.schemas import NameSearch, ProjectCreate, ProjectPublic, ProjectUpdate

router = APIRouter(prefix="/projects", tags=["projects"])

NameQuery = Annotated[
    NameSearch | None, Query(description="Only projects whose name contains this")
]


def public(p: Project) -> ProjectPublic:
    return ProjectPublic.model_validate(p)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_project(
    data: ProjectCreate, auth: AuthDep, session: SessionDep, projects: ProjectServiceDep
) -> ProjectPublic:
    """Create a project (every role; 409 when the tenant has one by that name)."""
    return public(await projects.create(session=session, auth=auth, data=data))


@router.get("")
async def list_projects(
    auth: AuthDep,
    session: SessionDep,
    projects: ProjectServiceDep,
    name: NameQuery = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProjectPublic]:
    """The tenant's projects by name."""
    rows, total = await projects.list_projects(
        session=session, auth=auth, name=name, limit=limit, offset=offset
    )
    return Page(items=[public(p) for p in rows], total=total, limit=limit, offset=offset)


@router.get("/{project_id}")
async def get_project(
    project_id: uuid.UUID, auth: AuthDep, session: SessionDep, projects: ProjectServiceDep
) -> ProjectPublic:
    """One project."""
    return public(await projects.get(session=session, auth=auth, project_id=project_id))


@router.patch("/{project_id}")
async def update_project(
    project_id: uuid.UUID,
    data: ProjectUpdate,
    auth: AuthDep,
    session: SessionDep,
    projects: ProjectServiceDep,
) -> ProjectPublic:
    """Rename or describe a project (owners and admins; members their own)."""
    return public(
        await projects.update(session=session, auth=auth, project_id=project_id, data=data)
    )


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(
    project_id: uuid.UUID, auth: AuthDep, session: SessionDep, projects: ProjectServiceDep
) -> Response:
    """Delete a project; its assistants, threads and knowledge bases stay, unassigned."""
    await projects.delete(session=session, auth=auth, project_id=project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
