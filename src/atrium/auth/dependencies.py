"""The one dependency that accepts every credential form, and the role gates built on it.

`Authorization: Bearer <access token | API key>` and `x-api-key: <API key>` all pass through
`get_auth`, so no route can forget a check or accept a weaker form.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from atrium.auth.context import AuthContext, UserAuth
from atrium.auth.recovery import RecoveryService
from atrium.auth.service import AuthService
from atrium.kit.deps import DatabaseDep, SessionDep, provided
from atrium.kit.errors import Forbidden, Unauthorized

_MAX_CREDENTIAL = 4096


def credential_from(request: Request) -> str:
    """The presented credential, from `Authorization: Bearer` or `x-api-key`."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'")
        credential = value.strip()
    else:
        credential = request.headers.get("x-api-key", "").strip()
    if not credential:
        raise Unauthorized()
    if len(credential) > _MAX_CREDENTIAL:
        raise Unauthorized("Invalid credential")
    return credential


AuthServiceDep = Annotated[AuthService, Depends(provided("auth_service"))]
RecoveryDep = Annotated[RecoveryService, Depends(provided("recovery_service"))]


async def get_auth(
    request: Request, session: SessionDep, auth_service: AuthServiceDep
) -> AuthContext:
    auth = await auth_service.authenticate(session=session, credential=credential_from(request))
    request.state.auth = auth
    structlog.contextvars.bind_contextvars(
        tenant_id=str(auth.tenant_id),
        user_id=str(auth.user_id) if auth.user_id else None,
        api_key_id=str(auth.api_key_id) if auth.api_key_id else None,
    )
    return auth


AuthDep = Annotated[AuthContext, Depends(get_auth)]


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


async def require_tenant_admin(auth: AuthDep) -> AuthContext:
    auth.require_admin()
    return auth


async def require_user_session(auth: AuthDep) -> UserAuth:
    return auth.signed_in()


async def require_platform_admin(auth: AuthDep) -> AuthContext:
    if not auth.is_user_session or not auth.is_platform_admin:
        raise Forbidden("Platform administrators only")
    return auth


TenantAdminDep = Annotated[AuthContext, Depends(require_tenant_admin)]
UserSessionDep = Annotated[UserAuth, Depends(require_user_session)]
PlatformAdminDep = Annotated[AuthContext, Depends(require_platform_admin)]
