"""Google sign-in (OpenID Connect, authorization-code flow) on authlib.

Accounts are bound by Google's stable `sub`, never by e-mail alone; Google must vouch for
the address (`email_verified`). The OAuth state and nonce ride in a short-lived signed cookie.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.schemas import TokenPair
from atrium.auth.service import auth_service
from atrium.kit.deps import ClientDep, ClientInfo, SessionDep
from atrium.kit.errors import AtriumError, BadRequest, Conflict, Forbidden, NotFound
from atrium.kit.logging import get_logger
from atrium.kit.runtime import runtime
from atrium.tenants.service import tenant_service
from atrium.users.service import user_service

PROVIDER = "google"
router = APIRouter(prefix="/auth/google", tags=["auth"])
_log = get_logger("atrium.auth.google")
_clients: dict[tuple[str, str], Any] = {}


class OAuthFailed(AtriumError):
    status_code = 400
    code = "oauth_error"


def _client() -> Any:
    settings = runtime().settings
    if not settings.google_enabled:
        raise NotFound("Google sign-in is not configured")
    assert settings.google_client_id
    assert settings.google_client_secret
    cache_key = (settings.google_client_id, settings.google_discovery_url)
    client = _clients.get(cache_key)
    if client is None:
        oauth = OAuth()
        client = oauth.register(
            PROVIDER,
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
            server_metadata_url=settings.google_discovery_url,
            client_kwargs={"scope": "openid email profile", "timeout": 10.0},
        )
        _clients[cache_key] = client
    return client


@router.get("/login")
async def google_login(request: Request) -> RedirectResponse:
    """Redirect to Google's consent screen."""
    redirect_uri = f"{runtime().settings.base_url}/auth/google/callback"
    response: RedirectResponse = await _client().authorize_redirect(request, redirect_uri)
    return response


@router.get("/callback")
async def google_callback(request: Request, session: SessionDep, client: ClientDep) -> TokenPair:
    """Google's redirect back: exchange the code, verify the ID token, sign in or sign up."""
    if "error" in request.query_params:
        raise OAuthFailed(f"Google refused the sign-in: {request.query_params['error'][:100]}")
    try:
        token = await _client().authorize_access_token(request)
    except OAuthError as exc:
        raise OAuthFailed(f"Google sign-in failed: {exc.error}") from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise OAuthFailed("Google did not return an ID token")
    return await _sign_in(session=session, claims=dict(claims), client=client)


async def _sign_in(
    *, session: AsyncSession, claims: dict[str, Any], client: ClientInfo
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
            await tenant_service.create_with_owner(
                session=session,
                owner=user,
                name=f"{user.full_name}'s workspace"[:200],
                client=client,
            )
        await user_service.link_identity(
            session=session, user=user, provider=PROVIDER, subject=subject, email=email
        )
        _log.info("oauth_identity_linked", provider=PROVIDER, user_id=str(user.id))
    return await auth_service.sign_in(
        session=session, user=user, tenant_id=None, client=client, method=PROVIDER
    )
