"""The dashboard's pages. HTTP only: each page reads through the services the API uses, and
every change is made by the page's JavaScript through the JSON API (or, for signing in and
out, by a form whose handler calls the same `AuthService` as `/auth/*`)."""

from __future__ import annotations

import datetime as dt
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from atrium.api_keys.service import ApiKeyService
from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.schemas import AssistantSearch
from atrium.auth.dependencies import AuthServiceDep, RecoveryDep, SessionServiceDep
from atrium.auth.schemas import LoginRequest, RegisterRequest, TokenPair
from atrium.kit.deps import ClientDep, SessionDep, SettingsDep, provided
from atrium.kit.errors import AtriumError, Forbidden
from atrium.settings import Settings
from atrium.tenants.service import TenantService
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.models import Thread
from atrium.threads.schemas import ThreadSearch
from atrium.usage.service import parse_groups, usage_service
from atrium.users.service import user_service
from atrium.web.render import markdown
from atrium.web.security import (
    HtmlSecurityHeadersMiddleware,
    clear_session_cookie,
    set_session_cookie,
)
from atrium.web.visitor import MaybeVisitorDep, SignInRequired, Visitor, VisitorDep, check_form_csrf

_HERE = Path(__file__).parent
# Autoescape on for every template: untrusted text becomes HTML only through `markdown`.
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True, auto_reload=False
    )
)
templates.env.filters["markdown"] = markdown

TenantServiceDep = Annotated[TenantService, Depends(provided("tenant_service"))]
ApiKeyServiceDep = Annotated[ApiKeyService, Depends(provided("api_key_service"))]


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 429: "Slow down"}
    return _render(
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
                return _error_page(request, exc.status_code, exc.message)

        return page


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _render(
    request: Request, name: str, visitor: Visitor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {"visitor": visitor, **context}, status_code=status
    )
    return response


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://...`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _same_origin(request: Request, settings: Settings) -> None:
    """Forms that start a session (no CSRF token exists yet) refuse another site's post."""
    origin = request.headers.get("origin")
    ours = {f"{request.url.scheme}://{request.url.netloc}", settings.base_url.rstrip("/")}
    if origin and origin not in ours:
        raise Forbidden("This form came from another site; open Atrium's own page and retry")


def _signed_in(request: Request, pair: TokenPair, sessions: SessionServiceDep, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(response, request, pair.refresh_token, sessions.ttl_seconds)
    return response


def _form_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "form"
    messages = {
        "email": "Enter a valid e-mail address.",
        "password": "The password must be between 8 and 128 characters.",
        "full_name": "Enter your name.",
    }
    return messages.get(field, f"Check the field '{field}'.")


# --- Signing in and out -------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request, visitor: MaybeVisitorDep, next: str = "/") -> Response:
    if visitor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _render(request, "sign_in.html", None, next=_safe_next(next))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    client: ClientDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    _same_origin(request, settings)
    try:
        data = LoginRequest.model_validate({"email": email, "password": password})
        pair = await auth_service.login(session=session, data=data, client=client)
    except ValidationError:
        error = "Enter your e-mail address and password."
    except AtriumError as exc:
        error = (
            "That e-mail and password do not match an account."
            if exc.status_code == 401
            else exc.message
        )
    else:
        return _signed_in(request, pair, sessions, _safe_next(next))
    return _render(
        request, "sign_in.html", None, 400, error=error, email=email, next=_safe_next(next)
    )


@router.get("/register")
async def register_page(
    request: Request, visitor: MaybeVisitorDep, invitation_token: str = ""
) -> Response:
    if visitor is not None:
        return RedirectResponse("/", status_code=303)
    return _render(request, "register.html", None, invitation_token=invitation_token)


@router.post("/register")
async def register(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    client: ClientDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    invitation_token: Annotated[str, Form()] = "",
) -> Response:
    _same_origin(request, settings)
    try:
        data = RegisterRequest.model_validate(
            {
                "email": email,
                "password": password,
                "full_name": full_name,
                "invitation_token": invitation_token or None,
            }
        )
        pair = await auth_service.register(session=session, data=data, client=client)
    except ValidationError as exc:
        error = _form_error(exc)
    except AtriumError as exc:
        error = (
            "An account with this e-mail address exists already; sign in instead."
            if exc.status_code == 409
            else exc.message
        )
    else:
        return _signed_in(request, pair, sessions, "/")
    return _render(
        request,
        "register.html",
        None,
        400,
        error=error,
        email=email,
        full_name=full_name,
        invitation_token=invitation_token,
    )


@router.post("/sign-out")
async def sign_out(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_form_csrf(visitor, csrf_token, sessions)
    await auth_service.logout(session=session, token=visitor.token)
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.post("/switch-tenant")
async def switch_tenant(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    client: ClientDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
    tenant_id: Annotated[uuid.UUID, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_form_csrf(visitor, csrf_token, sessions)
    pair = await auth_service.switch_tenant(
        session=session, auth=visitor.auth.signed_in(), tenant_id=tenant_id, client=client
    )
    await auth_service.logout(session=session, token=visitor.token)
    return _signed_in(request, pair, sessions, "/")


@router.get("/forgot-password")
async def forgot_password_page(request: Request) -> Response:
    return _render(request, "forgot_password.html", None)


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    recovery: RecoveryDep,
    email: Annotated[str, Form()] = "",
) -> Response:
    _same_origin(request, settings)
    if "@" not in email:
        return _render(
            request, "forgot_password.html", None, 400, error="Enter a valid e-mail address."
        )
    await recovery.forgot_password(session=session, email=email.strip())
    return _render(request, "forgot_password.html", None, sent=True)


@router.get("/reset-password")
async def reset_password_page(request: Request, token: str = "") -> Response:
    return _render(request, "reset_password.html", None, token=token)


@router.post("/reset-password")
async def reset_password(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    client: ClientDep,
    recovery: RecoveryDep,
    token: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    _same_origin(request, settings)
    error = None
    if not 8 <= len(password) <= 128:
        error = "The password must be between 8 and 128 characters."
    else:
        try:
            await recovery.reset_password(
                session=session, token=token, password=password, client=client
            )
        except AtriumError:
            error = "This reset link has expired or was used already; ask for a new one."
    if error:
        return _render(request, "reset_password.html", None, 400, token=token, error=error)
    return RedirectResponse("/sign-in?reset=1", status_code=303)


@router.get("/verify-email")
async def verify_email_page(
    request: Request,
    visitor: MaybeVisitorDep,
    session: SessionDep,
    recovery: RecoveryDep,
    token: str = "",
) -> Response:
    """The link in the verification e-mail."""
    try:
        await recovery.verify_email(session=session, token=token)
    except AtriumError:
        return _render(request, "verify_email.html", visitor, 400, verified=False)
    return _render(request, "verify_email.html", visitor, verified=True)


@router.get("/invitations/accept")
async def invitation_page(request: Request, visitor: MaybeVisitorDep, token: str = "") -> Response:
    """The link in an invitation e-mail: join as the signed-in person, or create an account
    (joining by invitation proves the address), or sign in first."""
    here = "/invitations/accept?" + urllib.parse.urlencode({"token": token})
    return _render(
        request,
        "invitation.html",
        visitor,
        token=token,
        sign_in_link="/sign-in?" + urllib.parse.urlencode({"next": here}),
    )


@router.post("/invitations/join")
async def join_by_invitation(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    client: ClientDep,
    tenants: TenantServiceDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
    token: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_form_csrf(visitor, csrf_token, sessions)
    user_auth = visitor.auth.signed_in()
    user = await user_service.get(session=session, user_id=user_auth.user_id)
    try:
        membership = await tenants.accept_invitation(
            session=session, user=user, token=token, client=client
        )
    except AtriumError as exc:
        return _render(
            request, "invitation.html", visitor, exc.status_code, token=token, error=exc.message
        )
    pair = await auth_service.switch_tenant(
        session=session, auth=user_auth, tenant_id=membership.tenant_id, client=client
    )
    await auth_service.logout(session=session, token=visitor.token)
    return _signed_in(request, pair, sessions, "/")


# --- Dashboard ----------------------------------------------------------------------------


def _title(thread: Thread) -> str:
    title = thread.metadata_.get("title")
    return str(title) if title else "Untitled chat"


@router.get("/")
async def dashboard(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    tenants: TenantServiceDep,
    auth_service: AuthServiceDep,
) -> Response:
    auth = visitor.auth
    recent = await threads.search(
        session=session,
        auth=auth,
        query=ThreadSearch(limit=5, sort_by="updated_at", sort_order="desc"),
    )
    found, _ = await assistants.search(
        session=session,
        auth=auth,
        query=AssistantSearch(limit=10, sort_by="updated_at", sort_order="desc"),
    )
    today = dt.datetime.now(dt.UTC)
    month = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    usage = await usage_service.summary(
        session=session, auth=auth, since=month, until=None, group_by=parse_groups("model")
    )
    limits = await tenants.plan_limits(auth.plan_id)
    me = await auth_service.me(session=session, auth=auth)
    return _render(
        request,
        "dashboard.html",
        visitor,
        me=me,
        threads=[(t, _title(t)) for t in recent],
        assistants=found,
        usage=usage.totals,
        tokens_limit=limits.tokens_per_month,
        cost_limit=limits.cost_ceiling_usd_per_month,
    )


# --- Chat ---------------------------------------------------------------------------------


def _messages(thread: Thread) -> list[dict[str, Any]]:
    """The thread's stored messages as the page shows them (text only; tools by name)."""
    shown: list[dict[str, Any]] = []
    for message in (thread.values or {}).get("messages", []) or []:
        if not isinstance(message, dict):
            continue
        kind = message.get("type")
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict)
            )
        text = str(content or "")
        if kind == "human":
            shown.append({"role": "user", "text": text})
        elif kind == "ai":
            calls = [str(c.get("name", "")) for c in message.get("tool_calls") or []]
            if text or calls:
                shown.append({"role": "assistant", "text": text, "tool_calls": calls})
        elif kind == "tool":
            shown.append({"role": "tool", "name": str(message.get("name") or "tool"), "text": text})
    return shown


def _pending(thread: Thread) -> list[dict[str, Any]]:
    """The tool calls a person must approve or reject before the run goes on."""
    pending: list[dict[str, Any]] = []
    for items in (thread.interrupts or {}).values():
        for item in items if isinstance(items, list) else []:
            value = item.get("value") if isinstance(item, dict) else None
            if isinstance(value, dict):
                pending.append(value)
    return pending


async def _chat_page(
    request: Request,
    visitor: Visitor,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    current: Thread | None,
    q: str,
) -> Response:
    listed = await threads.search(
        session=session,
        auth=visitor.auth,
        query=ThreadSearch(limit=100, sort_by="updated_at", sort_order="desc"),
    )
    needle = q.strip().casefold()
    rows = [(t, _title(t)) for t in listed if needle in _title(t).casefold()]
    found, _ = await assistants.search(
        session=session, auth=visitor.auth, query=AssistantSearch(limit=100, sort_by="name")
    )
    return _render(
        request,
        "chat.html",
        visitor,
        threads=rows,
        q=q,
        assistants=found,
        current=current,
        title=_title(current) if current else None,
        messages=_messages(current) if current else [],
        pending=_pending(current) if current else [],
    )


@router.get("/app/chat")
async def chat(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    q: str = "",
) -> Response:
    return await _chat_page(request, visitor, session, threads, assistants, None, q)


@router.get("/app/chat/{thread_id}")
async def chat_thread(
    thread_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    q: str = "",
) -> Response:
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    return await _chat_page(request, visitor, session, threads, assistants, thread, q)


@router.get("/app/chat/{thread_id}/messages")
async def chat_messages(
    thread_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
) -> Response:
    """The stored messages, rendered on the server: the page swaps this in when a streamed
    answer ends, so model text is never turned into HTML in the browser."""
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    return _render(
        request,
        "_messages.html",
        visitor,
        current=thread,
        messages=_messages(thread),
        pending=_pending(thread),
    )


# --- Assistants ---------------------------------------------------------------------------


@router.get("/app/assistants")
async def assistants_page(
    request: Request, visitor: VisitorDep, session: SessionDep, assistants: AssistantServiceDep
) -> Response:
    found, _ = await assistants.search(
        session=session, auth=visitor.auth, query=AssistantSearch(limit=100, sort_by="name")
    )
    return _render(request, "assistants.html", visitor, assistants=found)


@router.get("/app/assistants/new")
async def new_assistant_page(request: Request, visitor: VisitorDep) -> Response:
    return _render(request, "assistant_form.html", visitor, assistant=None, tools_text="")


@router.get("/app/assistants/{assistant_id}")
async def assistant_page(
    assistant_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    assistants: AssistantServiceDep,
) -> Response:
    assistant = await assistants.get(session=session, auth=visitor.auth, ref=assistant_id)
    tools = assistant.context.get("tools") or []
    tools_text = "\n".join(
        f"{t.get('name')}: {t.get('policy', 'auto')}" for t in tools if isinstance(t, dict)
    )
    return _render(
        request, "assistant_form.html", visitor, assistant=assistant, tools_text=tools_text
    )


# --- Settings -----------------------------------------------------------------------------


@router.get("/app/settings/api-keys")
async def api_keys_page(
    request: Request, visitor: VisitorDep, session: SessionDep, api_keys: ApiKeyServiceDep
) -> Response:
    keys, _ = await api_keys.list(session=session, auth=visitor.auth, limit=100, offset=0)
    return _render(request, "api_keys.html", visitor, keys=keys)


@router.get("/app/settings/members")
async def members_page(
    request: Request, visitor: VisitorDep, session: SessionDep, tenants: TenantServiceDep
) -> Response:
    members, _ = await tenants.list_members(session=session, auth=visitor.auth, limit=200, offset=0)
    invitations = (
        await tenants.list_invitations(session=session, auth=visitor.auth)
        if visitor.auth.is_tenant_admin
        else []
    )
    return _render(request, "members.html", visitor, members=members, invitations=invitations)


def install(app: FastAPI) -> None:
    """Mount the dashboard on `app`: pages, their static files and their headers."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.add_middleware(HtmlSecurityHeadersMiddleware)
