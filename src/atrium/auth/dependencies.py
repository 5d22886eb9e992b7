"""The one dependency that accepts every credential form, and the role gates built on it.

`Authorization: Bearer <access token | API key>`, `x-api-key: <API key>` and the web
dashboard's session cookie all pass through `get_auth`, so no route can forget a check or
accept a weaker form. A cookie rides along on requests another site makes the browser send,
so with the cookie a request that changes state must also carry the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from atrium.auth.context import AuthContext, UserAuth
from atrium.auth.recovery import RecoveryService
from atrium.auth.service import AuthService
from atrium.auth.sessions import CSRF_HEADER, SESSION_COOKIE, SessionService
from atrium.kit.deps import DatabaseDep, SessionDep, provided
from atrium.kit.errors import Forbidden, Unauthorized

_MAX_CREDENTIAL = 4096
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = "This page is out of date or the request came from another site; reload and retry"


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
SessionServiceDep = Annotated[SessionService, Depends(provided("session_service"))]


def session_cookie(request: Request) -> str | None:
    """The browser session's token, unless the request presents a credential header (which
    then decides alone: a program's bearer token is never mixed with a cookie)."""
    if request.headers.get("authorization") or request.headers.get("x-api-key"):
        return None
    value = request.cookies.get(SESSION_COOKIE, "").strip()
    return value if value and len(value) <= _MAX_CREDENTIAL else None


def check_csrf(request: Request, sessions: SessionService) -> None:
    """A browser session's request that changes state must carry the session's CSRF token:
    every unsafe method, and the few GETs with a side effect (joining a run's stream with
    `cancel_on_disconnect`). A request with a credential header needs none."""
    cookie = session_cookie(request)
    if cookie is not None and not sessions.csrf_ok(cookie, request.headers.get(CSRF_HEADER, "")):
        raise Forbidden(CSRF_REFUSED)


async def get_auth(
    request: Request,
    session: SessionDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
) -> AuthContext:
    cookie = session_cookie(request)
    if cookie is not None:
        if request.method not in SAFE_METHODS:
            check_csrf(request, sessions)
        auth = await auth_service.authenticate_session(session=session, token=cookie)
    else:
        credential = credential_from(request)
        auth = await auth_service.authenticate(session=session, credential=credential)
    request.state.auth = auth
    structlog.contextvars.bind_contextvars(
        tenant_id=str(auth.tenant_id),
        user_id=str(auth.user_id) if auth.user_id else None,
        api_key_id=str(auth.api_key_id) if auth.api_key_id else None,
    )
    return auth


AuthDep = Annotated[AuthContext, Depends(get_auth)]


async def authenticate_briefly(
    request: Request, db: DatabaseDep, auth_service: AuthServiceDep, sessions: SessionServiceDep
) -> AuthContext:
    """The caller, as `AuthDep` finds them, but in a transaction of its own that ends before
    the endpoint runs. For endpoints that stream, wait, or whose service owns its transaction
    (to undo a checkpoint change if the commit fails): none of them holds a pooled
    connection for as long as it lasts."""
    async with db.transaction() as session:
        return await get_auth(request, session, auth_service, sessions)


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
