"""Who is looking at a page: the browser session from the cookie, checked exactly as the API's
`get_auth` checks it (the same `AuthService.authenticate_session`)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from atrium.auth.context import AuthContext
from atrium.auth.dependencies import AuthServiceDep, SessionServiceDep, session_cookie
from atrium.kit.deps import SessionDep
from atrium.kit.errors import AtriumError, Forbidden, Unauthorized


class SignInRequired(AtriumError):
    """A page that needs a session was opened without one: the visitor is sent to sign in."""

    status_code = 303
    code = "sign_in_required"

    def __init__(self, next_path: str) -> None:
        super().__init__("Please sign in")
        self.location = "/sign-in?" + urllib.parse.urlencode({"next": next_path})


@dataclass(frozen=True, slots=True)
class Visitor:
    auth: AuthContext
    csrf: str
    token: str


async def optional_visitor(
    request: Request,
    session: SessionDep,
    auth_service: AuthServiceDep,
    sessions: SessionServiceDep,
) -> Visitor | None:
    token = session_cookie(request)
    if token is None:
        return None
    try:
        auth = await auth_service.authenticate_session(session=session, token=token)
    except (Unauthorized, Forbidden):
        return None
    request.state.auth = auth
    visitor = Visitor(auth=auth, csrf=sessions.csrf_token(token), token=token)
    # For the error page, which is rendered outside the endpoint's dependencies.
    request.state.visitor = visitor
    return visitor


async def required_visitor(
    request: Request, visitor: Annotated[Visitor | None, Depends(optional_visitor)]
) -> Visitor:
    if visitor is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    return visitor


VisitorDep = Annotated[Visitor, Depends(required_visitor)]
MaybeVisitorDep = Annotated[Visitor | None, Depends(optional_visitor)]


def check_form_csrf(visitor: Visitor, presented: str, sessions: SessionServiceDep) -> None:
    """A form that changes state carries the session's CSRF token in a hidden field."""
    if not sessions.csrf_ok(visitor.token, presented):
        raise Forbidden("This form is out of date or came from another site; reload and retry")
