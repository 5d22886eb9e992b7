"""Google sign-in (OpenID Connect, authorization-code flow) on authlib.

Accounts are bound by Google's stable `sub`, never by e-mail alone; Google must vouch for
the address (`email_verified`). The OAuth state and nonce ride in a short-lived signed cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.cookies import local_path, set_session_cookie
from atrium.auth.dependencies import SessionServiceDep
from atrium.auth.schemas import TokenPair
from atrium.auth.service import AuthService
from atrium.kit.deps import ClientDep, ClientInfo, SessionDep, provided
from atrium.kit.errors import AtriumError, BadRequest, Conflict, Forbidden, NotFound
from atrium.kit.logging import get_logger
from atrium.settings import Settings
from atrium.tenants.service import TenantService
from atrium.users.service import user_service

PROVIDER = "google"
router = APIRouter(prefix="/auth/google", tags=["auth"])
_log = get_logger("atrium.auth.google")
# The OAuth session key that marks a sign-in started from the dashboard, holding where to go.
_WEB_NEXT = "web_next"


class OAuthFailed(AtriumError):
    status_code = 400
    code = "oauth_error"


class GoogleSignIn:
    """The OIDC client (built once, on first use) and the rules that bind Google accounts."""

    def __init__(self, *, settings: Settings, auth: AuthService, tenants: TenantService) -> None:
        self._settings = settings
        self._auth = auth
        self._tenants = tenants
        self._oauth_client: Any = None
        self.redirect_uri = f"{settings.base_url}/auth/google/callback"

    def client(self) -> Any:
        settings = self._settings
        client_id, secret = settings.google_client_id, settings.google_client_secret
        if not settings.google_enabled or client_id is None or secret is None:
            raise NotFound("Google sign-in is not configured")
        if self._oauth_client is None:
            self._oauth_client = OAuth().register(
                PROVIDER,
                client_id=client_id,
                client_secret=secret.get_secret_value(),
                server_metadata_url=settings.google_discovery_url,
                client_kwargs={"scope": "openid email profile", "timeout": 10.0},
            )
        return self._oauth_client

    async def sign_in(
        self, *, session: AsyncSession, claims: dict[str, Any], client: ClientInfo
    ) -> TokenPair:
        return await _sign_in(
            session=session, claims=claims, client=client, auth=self._auth, tenants=self._tenants
        )


GoogleDep = Annotated[GoogleSignIn, Depends(provided("google"))]


@router.get(
    "/login",
    response_class=RedirectResponse,
    status_code=302,
    responses={302: {"description": "To Google's consent screen"}},
)
async def google_login(
    request: Request, google: GoogleDep, next: str | None = None
) -> RedirectResponse:
    """Redirect to Google's consent screen. With `next` (the dashboard's button), the
    callback ends in a browser session at that path instead of answering with tokens."""
    if next is not None:
        request.session[_WEB_NEXT] = local_path(next)
    else:
        request.session.pop(_WEB_NEXT, None)
    response: RedirectResponse = await google.client().authorize_redirect(
        request, google.redirect_uri
    )
    return response


@router.get("/callback", response_model=TokenPair)
async def google_callback(
    request: Request,
    session: SessionDep,
    client: ClientDep,
    google: GoogleDep,
    sessions: SessionServiceDep,
) -> TokenPair | Response:
    """Google's redirect back: exchange the code, verify the ID token, sign in or sign up.
    Started from the dashboard, it sets the browser session's cookie and goes on to the page
    asked for; a refusal goes back to the sign-in page, which says what happened."""
    web_next = request.session.pop(_WEB_NEXT, None)
    if web_next is None:
        return await _callback(request, session, client, google)
    try:
        pair = await _callback(request, session, client, google)
    except AtriumError as exc:
        return RedirectResponse(f"/sign-in?google={exc.code}", status_code=303)
    response = RedirectResponse(local_path(web_next), status_code=303)
    set_session_cookie(response, request, pair.refresh_token, sessions.ttl_seconds)
    return response


async def _callback(
    request: Request, session: AsyncSession, client: ClientInfo, google: GoogleSignIn
) -> TokenPair:
    if "error" in request.query_params:
        raise OAuthFailed(f"Google refused the sign-in: {request.query_params['error'][:100]}")
    try:
        token = await google.client().authorize_access_token(request)
    except OAuthError as exc:
        raise OAuthFailed(f"Google sign-in failed: {exc.error}") from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise OAuthFailed("Google did not return an ID token")
    return await google.sign_in(session=session, claims=dict(claims), client=client)


async def _sign_in(
    *,
    session: AsyncSession,
    claims: dict[str, Any],
    client: ClientInfo,
    auth: AuthService,
    tenants: TenantService,
) -> TokenPair:
    subject = str(claims["sub"])
    email = str(claims.get("email") or "")
    if claims.get("email_verified") not in (True, "true"):
        raise Forbidden("Google has not verified this e-mail address")
    if not email:
        raise BadRequest("Google did not share an e-mail address")
    identity = await user_service.find_identity(session=session, provider=PROVIDER, subject=subject)
    if identity is not None:
        user = await user_service.get(session=session, user_id=identity.user_id)
    else:
        existing = await user_service.get_by_email(session=session, email=email)
        if existing is not None and existing.email_verified_at is None:
            # Someone may have registered this address without owning it; linking would hand
            # them the Google user's account.
            raise Conflict(
                "An unverified account uses this e-mail; verify it or reset its password first"
            )
        if existing is not None:
            user = existing
        else:
            user = await user_service.create(
                session=session,
                email=email,
                full_name=str(claims.get("name") or email.split("@")[0])[:200],
                password=None,
                email_verified=True,
                avatar_url=str(claims["picture"])[:2048] if claims.get("picture") else None,
            )
            await tenants.create_with_owner(
                session=session,
                owner=user,
                name=f"{user.full_name}'s workspace"[:200],
                client=client,
            )
        await user_service.link_identity(
            session=session, user=user, provider=PROVIDER, subject=subject, email=email
        )
        _log.info("oauth_identity_linked", provider=PROVIDER, user_id=str(user.id))
    return await auth.sign_in(
        session=session, user=user, tenant_id=None, client=client, method=PROVIDER
    )
