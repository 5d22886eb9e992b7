"""Projects: a tenant's named groups of assistants, threads and knowledge bases. They follow
the assistants' rule (DESIGN.md): every role reads every project and creates projects,
members change only their own, owners and admins change all. A project's name is unique
in the tenant. Deleting a project leaves its members in place, unassigned.

Other services hand a `project_id` from a request body to `assignable`, which answers 404
for an id the tenant has no project by (another tenant's included), exactly like a missing
one; the database's composite key refuses such a row as well.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, require, require_on
from atrium.kit.errors import Conflict, NotFound
from atrium.kit.models import utcnow
from atrium.projects.models import Project
from atrium.projects.repository import project_repository
from atrium.projects.schemas import ProjectCreate, ProjectUpdate

# Projects share the table's row with assistants and knowledge bases.
RESOURCE = Resource.assistants


def _taken(name: str) -> Conflict:
    return Conflict(f"A project named {name!r} already exists", field="name")


class ProjectService:
    async def create(
        self, *, session: AsyncSession, auth: AuthContext, data: ProjectCreate
    ) -> Project:
        """A new project, owned by the caller (or by the creator of the calling key)."""
        require(auth, RESOURCE, Action.create)
        project = Project(
            tenant_id=auth.tenant_id,
            id=uuid.uuid4(),
            name=data.name,
            description=data.description or None,
            created_by=auth.user_id,
        )
        try:
            async with session.begin_nested():
                await project_repository.add(session, project)
        except IntegrityError as exc:
            raise _taken(data.name) from exc
        return project

    async def list_projects(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        name: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[list[Project], int]:
        """The tenant's projects by name, those whose name contains `name` if given."""
        require(auth, RESOURCE, Action.read)
        return await project_repository.list(
            session, tenant_id=auth.tenant_id, name=name, limit=limit, offset=offset
        )

    async def get(
        self, *, session: AsyncSession, auth: AuthContext, project_id: uuid.UUID, lock: bool = False
    ) -> Project:
        require(auth, RESOURCE, Action.read)
        project = await project_repository.get(
            session, tenant_id=auth.tenant_id, project_id=project_id, lock=lock
        )
        if project is None:
            raise NotFound("Project not found")
        return project

    async def _changeable(
        self, *, session: AsyncSession, auth: AuthContext, project_id: uuid.UUID
    ) -> Project:
        # Every role reads every project, so a 403 here reveals nothing.
        project = await self.get(session=session, auth=auth, project_id=project_id, lock=True)
        require_on(auth, RESOURCE, Action.change, owner_id=project.created_by)
        return project

    async def update(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        project_id: uuid.UUID,
        data: ProjectUpdate,
    ) -> Project:
        """Rename or describe a project (owners and admins; members their own)."""
        project = await self._changeable(session=session, auth=auth, project_id=project_id)
        try:
            # Changed inside the savepoint: opening it flushes what is pending, outside it.
            async with session.begin_nested():
                if data.name is not None:
                    project.name = data.name
                if "description" in data.model_fields_set:
                    project.description = data.description or None
                project.updated_at = utcnow()
                await project_repository.flush(session, project)
        except IntegrityError as exc:
            raise _taken(data.name or "") from exc
        return project

    async def delete(
        self, *, session: AsyncSession, auth: AuthContext, project_id: uuid.UUID
    ) -> None:
        """Delete a project; its assistants, threads and knowledge bases stay, unassigned."""
        project = await self._changeable(session=session, auth=auth, project_id=project_id)
        await project_repository.delete(session, tenant_id=auth.tenant_id, project_id=project.id)

    async def assignable(
        self, *, session: AsyncSession, auth: AuthContext, project_id: uuid.UUID | None
    ) -> uuid.UUID | None:
        """`project_id` if a row of the caller's tenant may be put in it (None unassigns):
        404 naming the field for an id the tenant has no project by. The project is held
        until the transaction ends, so it cannot be deleted under the row."""
        if project_id is None:
            return None
        found = await project_repository.hold(
            session, tenant_id=auth.tenant_id, project_id=project_id
        )
        if not found:
            raise NotFound("Project not found", field="project_id")
        return project_id
