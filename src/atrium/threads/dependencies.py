"""Dependencies of the threads endpoints (and of the runs endpoints, which build on them)."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from atrium.auth.context import AuthContext
from atrium.auth.dependencies import credential_from
from atrium.auth.service import AuthService
from atrium.kit.deps import DatabaseDep, provided
from atrium.threads.service import ThreadService

ThreadServiceDep = Annotated[ThreadService, Depends(provided("thread_service"))]


async def authenticate_briefly(
    request: Request,
    db: DatabaseDep,
    auth_service: Annotated[AuthService, Depends(provided("auth_service"))],
) -> AuthContext:
    """The caller, authenticated in a transaction of its own that ends before the endpoint
    runs. For endpoints that stream, wait, or whose service owns its transaction (to undo a
    checkpoint change if the commit fails): none of them holds a pooled connection for as
    long as it lasts."""
    async with db.transaction() as session:
        auth = await auth_service.authenticate(session=session, credential=credential_from(request))
    request.state.auth = auth
    structlog.contextvars.bind_contextvars(
        tenant_id=str(auth.tenant_id),
        user_id=str(auth.user_id) if auth.user_id else None,
        api_key_id=str(auth.api_key_id) if auth.api_key_id else None,
    )
    return auth


# The same caller as `AuthDep`, without a request session.
BriefAuthDep = Annotated[AuthContext, Depends(authenticate_briefly)]
