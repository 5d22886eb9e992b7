"""Dependencies of the threads endpoints (and of the runs endpoints, which build on them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from atrium.auth.context import AuthContext
from atrium.auth.dependencies import AuthServiceDep, get_auth
from atrium.kit.deps import DatabaseDep, provided
from atrium.threads.service import ThreadService

ThreadServiceDep = Annotated[ThreadService, Depends(provided("thread_service"))]


async def authenticate_briefly(
    request: Request, db: DatabaseDep, auth_service: AuthServiceDep
) -> AuthContext:
    """The caller, as `AuthDep` finds them, but in a transaction of its own that ends before
    the endpoint runs. For endpoints that stream, wait, or whose service owns its transaction
    (to undo a checkpoint change if the commit fails): none of them holds a pooled
    connection for as long as it lasts."""
    async with db.transaction() as session:
        return await get_auth(request, session, auth_service)


# The same caller as `AuthDep`, without a request session.
BriefAuthDep = Annotated[AuthContext, Depends(authenticate_briefly)]
