"""The project a list page is narrowed to (`?project=<id>`): the tenant's projects for the
picker, and the chosen one, checked to be the tenant's own (another's id is a 404 page)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.projects.models import Project
from atrium.projects.service import ProjectService
from atrium.web.pages import page_id

# The picker lists this many projects; a tenant with more narrows by opening a project.
PICKER_SIZE = 200


@dataclass(frozen=True, slots=True)
class ProjectScope:
    projects: list[Project]
    chosen: Project | None

    @property
    def project_id(self) -> uuid.UUID | None:
        return self.chosen.id if self.chosen else None


async def project_scope(
    *, session: AsyncSession, auth: AuthContext, projects: ProjectService, raw: str
) -> ProjectScope:
    listed, _ = await projects.list_projects(
        session=session, auth=auth, limit=PICKER_SIZE, offset=0
    )
    if not raw:
        return ProjectScope(listed, None)
    wanted = page_id(raw, "Project not found")
    chosen = next((p for p in listed if p.id == wanted), None)
    if chosen is None:
        chosen = await projects.get(session=session, auth=auth, project_id=wanted)
    return ProjectScope(listed, chosen)
