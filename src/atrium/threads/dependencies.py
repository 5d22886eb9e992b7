"""The threads service, as the composition root built it, for endpoints."""

from __future__ import annotations

from typing import Annotated

from atrium.kit.deps import provided
from fastapi import Depends

from atrium.threads.service import ThreadService

ThreadServiceDep = Annotated[ThreadService, Depends(provided("thread_service"))]
