"""The knowledge service, as the composition root built it, for endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from atrium.kit.deps import provided
from atrium.knowledge.service import KnowledgeService

KnowledgeServiceDep = Annotated[KnowledgeService, Depends(provided("knowledge_service"))]
