"""What every page shares: templates with autoescape, rendering, the route class that turns
errors into HTML pages, and the checks the sign-in forms make."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from atrium.api_keys.service import ApiKeyService
from atrium.auth.cookies import local_path, set_session_cookie
from atrium.auth.dependencies import SessionServiceDep
from atrium.auth.schemas import TokenPair
from atrium.kit.deps import provided
from atrium.kit.errors import AtriumError, Forbidden, NotFound
from atrium.settings import Settings
from atrium.tenants.service import TenantService
from atrium.threads.models import Thread
from atrium.web.render import markdown
from atrium.web.visitor import SignInRequired, Visitor

_HERE = Path(__file__).parent
STATIC = _HERE / "static"
# Autoescape on for every template: untrusted text becomes HTML only through `markdown`.
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True, auto_reload=False
    )
)
templates.env.filters["markdown"] = markdown

TenantServiceDep = Annotated[TenantService, Depends(provided("tenant_service"))]
ApiKeyServiceDep = Annotated[ApiKeyService, Depends(provided("api_key_service"))]


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 429: "Slow down"}
    return render(
        request,
        "error.html",
        getattr(request.state, "visitor", None),
        status,
        title=titles.get(status, "Something went wrong"),
        message=message.rstrip("."),
    )


class PageRoute(APIRoute):
    """A page answers in HTML whatever goes wrong: a sign-in redirect, or an error page with
    the service's own sentence (another tenant's id is a plain 404, as in the API)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                return RedirectResponse(exc.location, status_code=303)
            except AtriumError as exc:
                return error_page(request, exc.status_code, exc.message)

        return page


def page_router() -> APIRouter:
    """A router for one area of pages: HTML errors, left out of the OpenAPI schema."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def render(
    request: Request, name: str, visitor: Visitor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {"visitor": visitor, **context}, status_code=status
    )
    return response


def page_id(value: str, missing: str) -> uuid.UUID:
    """An id from a page's path; a malformed one is answered like a missing one (the API's
    404 page with `missing`, not FastAPI's 422)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(missing) from None


def safe_next(value: str | None) -> str:
    """Only a path on this site (see `local_path`)."""
    return local_path(value)


def same_origin(request: Request, settings: Settings) -> None:
    """Forms that start a session (no CSRF token exists yet) refuse another site's post."""
    origin = request.headers.get("origin")
    ours = {f"{request.url.scheme}://{request.url.netloc}", settings.base_url.rstrip("/")}
    if origin and origin not in ours:
        raise Forbidden("This form came from another site; open Atrium's own page and retry")


def signed_in(request: Request, pair: TokenPair, sessions: SessionServiceDep, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(response, request, pair.refresh_token, sessions.ttl_seconds)
    return response


def thread_title(thread: Thread) -> str:
    title = thread.metadata_.get("title")
    return str(title) if title else "Untitled chat"
