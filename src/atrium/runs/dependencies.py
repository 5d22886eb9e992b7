"""The runs collaborators, as the composition root built them, for endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from atrium.kit.deps import provided
from atrium.runs.service import RunService
from atrium.runs.sse import RunStreams

RunServiceDep = Annotated[RunService, Depends(provided("run_service"))]
RunStreamsDep = Annotated[RunStreams, Depends(provided("run_streams"))]
