"""The browser session's cookie: set by the dashboard's sign-in forms and by Google sign-in
started from the dashboard, read by `get_auth` beside bearer tokens and API keys."""

from __future__ import annotations

from fastapi import Request, Response

from atrium.auth.sessions import SESSION_COOKIE


def local_path(value: str | None) -> str:
    """Where to go after signing in: only a path on this site, never `//evil.example`,
    `https://...` or a backslash trick; anything else means the dashboard."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def is_https(request: Request) -> bool:
    """HTTPS as the browser sees it: this request's scheme, or the public URL's (behind a
    proxy that ends TLS, the request reaching Atrium is plain HTTP)."""
    runtime = getattr(request.app.state, "runtime", None)
    public = str(runtime.settings.base_url) if runtime is not None else ""
    return request.url.scheme == "https" or public.startswith("https://")


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=is_https(request),
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=is_https(request), samesite="lax"
    )
