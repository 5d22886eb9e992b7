"""Signing in and out: register, sign in, forgotten and reset passwords, e-mail verification,
invitations and switching tenant. Each form's handler calls the same services as `/auth/*`."""

from __future__ import annotations

import urllib.parse
import uuid
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from atrium.auth.cookies import clear_session_cookie
from atrium.auth.dependencies import AuthServiceDep, RecoveryDep, SessionServiceDep
from atrium.auth.schemas import LoginRequest, RegisterRequest
from atrium.kit.deps import ClientDep, SessionDep, SettingsDep
from atrium.kit.errors import AtriumError
from atrium.users.service import user_service
from atrium.web.pages import (
    TenantServiceDep,
    page_router,
    render,
    safe_next,
    same_origin,
    signed_in,
)
from atrium.web.visitor import MaybeVisitorDep, VisitorDep, check_form_csrf

router = page_router()


def _form_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "form"
    messages = {
        "email": "Enter a valid e-mail address.",
        "password": "The password must be between 8 and 128 characters.",
        "full_name": "Enter your name.",
    }
    return messages.get(field, f"Check the field '{field}'.")


# What Google sign-in's refusal (`?google=<error code>`) means, in a sentence; the code is
# looked up, never echoed, so a crafted link cannot put words on the page.
_GOOGLE_REFUSALS = {
    "forbidden": "Google has not verified that e-mail address, so Atrium cannot use it.",
    "conflict": "An account with this e-mail address exists but is not verified yet. Sign in "
    "with its password or reset it, then use Google.",
    "bad_request": "Google did not share an e-mail address with Atrium.",
}


@router.get("/sign-in")
async def sign_in_page(
    request: Request,
    visitor: MaybeVisitorDep,
    settings: SettingsDep,
    next: str = "/",
    google: str = "",
) -> Response:
    if visitor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    error = None
    if google:
        error = _GOOGLE_REFUSALS.get(google, "Google sign-in did not complete. Try again.")
    return render(
        request,
        "sign_in.html",
        None,
        next=safe_next(next),
        google=settings.google_enabled,
        error=error,
    )


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
    same_origin(request, settings)
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
        return signed_in(request, pair, sessions, safe_next(next))
    return render(
        request,
        "sign_in.html",
        None,
        400,
        error=error,
        email=email,
        next=safe_next(next),
        google=settings.google_enabled,
    )


@router.get("/register")
async def register_page(
    request: Request, visitor: MaybeVisitorDep, settings: SettingsDep, invitation_token: str = ""
) -> Response:
    if visitor is not None:
        return RedirectResponse("/", status_code=303)
    return render(
        request,
        "register.html",
        None,
        invitation_token=invitation_token,
        google=settings.google_enabled,
    )


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
    same_origin(request, settings)
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
        return signed_in(request, pair, sessions, "/")
    return render(
        request,
        "register.html",
        None,
        400,
        error=error,
        email=email,
        full_name=full_name,
        invitation_token=invitation_token,
        google=settings.google_enabled,
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
    return signed_in(request, pair, sessions, "/")


@router.get("/forgot-password")
async def forgot_password_page(request: Request) -> Response:
    return render(request, "forgot_password.html", None)


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    recovery: RecoveryDep,
    email: Annotated[str, Form()] = "",
) -> Response:
    same_origin(request, settings)
    if "@" not in email:
        return render(
            request, "forgot_password.html", None, 400, error="Enter a valid e-mail address."
        )
    await recovery.forgot_password(session=session, email=email.strip())
    return render(request, "forgot_password.html", None, sent=True)


@router.get("/reset-password")
async def reset_password_page(request: Request, token: str = "") -> Response:
    return render(request, "reset_password.html", None, token=token)


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
    same_origin(request, settings)
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
        return render(request, "reset_password.html", None, 400, token=token, error=error)
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
        return render(request, "verify_email.html", visitor, 400, verified=False)
    return render(request, "verify_email.html", visitor, verified=True)


@router.get("/invitations/accept")
async def invitation_page(request: Request, visitor: MaybeVisitorDep, token: str = "") -> Response:
    """The link in an invitation e-mail: join as the signed-in person, or create an account
    (joining by invitation proves the address), or sign in first."""
    here = "/invitations/accept?" + urllib.parse.urlencode({"token": token})
    return render(
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
        return render(
            request, "invitation.html", visitor, exc.status_code, token=token, error=exc.message
        )
    pair = await auth_service.switch_tenant(
        session=session, auth=user_auth, tenant_id=membership.tenant_id, client=client
    )
    await auth_service.logout(session=session, token=visitor.token)
    return signed_in(request, pair, sessions, "/")
