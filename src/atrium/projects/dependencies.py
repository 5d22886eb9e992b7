"""The projects service, as the composition root built it, for endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from atrium.kit.deps import provided
from atrium.projects.service import ProjectService

ProjectServiceDep = Annotated[ProjectService, Depends(provided("project_service"))]
