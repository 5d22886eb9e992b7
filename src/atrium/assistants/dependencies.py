"""The assistants service, as the composition root built it, for endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from atrium.assistants.service import AssistantService
from atrium.kit.deps import provided

AssistantServiceDep = Annotated[AssistantService, Depends(provided("assistant_service"))]
