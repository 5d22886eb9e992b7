"""Dependencies of the threads endpoints (and of the runs endpoints, which build on them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from atrium.kit.deps import provided
from atrium.threads.service import ThreadService
from atrium.threads.share_service import ShareService

ThreadServiceDep = Annotated[ThreadService, Depends(provided("thread_service"))]
ShareServiceDep = Annotated[ShareService, Depends(provided("share_service"))]
