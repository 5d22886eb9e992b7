"""HTTP for sign-up, sign-in, sessions and e-mail based account recovery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from atrium.auth.dependencies import AuthDep, AuthServiceDep, RecoveryDep, UserSessionDep
from atrium.auth.schemas import (
    EmailTokenRequest,
    ForgotPasswordRequest,
    LoginRequest,
    MePublic,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    SwitchTenantRequest,
    TokenPair,
)
from atrium.kit.deps import ClientDep, SessionDep
from atrium.kit.schemas import Token
from atrium.users.schemas import UserPublic, user_public
from atrium.users.service import user_service

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(
    data: RegisterRequest, session: SessionDep, client: ClientDep, auth_service: AuthServiceDep
) -> TokenPair:
    """Create an account (and its own tenant on the Basic plan, unless joining by invitation)
    and sign in. A verification e-mail is sent."""
    return await auth_service.register(session=session, data=data, client=client)


@router.post("/login")
async def login(
    data: LoginRequest, session: SessionDep, client: ClientDep, auth_service: AuthServiceDep
) -> TokenPair:
    """Sign in with e-mail and password. Failed attempts are throttled per account and IP."""
    return await auth_service.login(session=session, data=data, client=client)


@router.post("/refresh")
async def refresh(
    data: RefreshRequest, session: SessionDep, client: ClientDep, auth_service: AuthServiceDep
) -> TokenPair:
    """Exchange a refresh token for a new pair. Each refresh token works once; reusing one
    revokes the whole session."""
    return await auth_service.refresh(session=session, token=data.refresh_token, client=client)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    data: RefreshRequest, session: SessionDep, auth_service: AuthServiceDep
) -> Response:
    """End the session the refresh token belongs to."""
    await auth_service.logout(session=session, token=data.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(auth: AuthDep, session: SessionDep, auth_service: AuthServiceDep) -> MePublic:
    """The caller: user, current tenant and role, and every tenant they belong to."""
    return await auth_service.me(session=session, auth=auth)


@router.post("/switch-tenant")
async def switch_tenant(
    data: SwitchTenantRequest,
    auth: UserSessionDep,
    session: SessionDep,
    client: ClientDep,
    auth_service: AuthServiceDep,
) -> TokenPair:
    """A new session scoped to another tenant the user belongs to."""
    return await auth_service.switch_tenant(
        session=session, auth=auth, tenant_id=data.tenant_id, client=client
    )


@router.post("/verify-email")
async def verify_email(
    data: EmailTokenRequest, session: SessionDep, recovery: RecoveryDep
) -> UserPublic:
    """Confirm an e-mail address with the token from the verification e-mail."""
    return user_public(await recovery.verify_email(session=session, token=data.token))


@router.get("/verify-email")
async def verify_email_link(
    token: Annotated[Token, Query()], session: SessionDep, recovery: RecoveryDep
) -> UserPublic:
    """The link in the verification e-mail."""
    return user_public(await recovery.verify_email(session=session, token=token))


# response_class=Response: a 202 with no body, described as such in OpenAPI.
@router.post("/verify-email/resend", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
async def resend_verification(
    auth: UserSessionDep, session: SessionDep, recovery: RecoveryDep
) -> Response:
    """Send the verification e-mail again."""
    user = await user_service.get(session=session, user_id=auth.user_id)
    if user.email_verified_at is None:
        await recovery.send_verification(session=session, user=user)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
async def forgot_password(
    data: ForgotPasswordRequest, session: SessionDep, recovery: RecoveryDep
) -> Response:
    """E-mail a password-reset link. Answers 202 whether or not the account exists."""
    await recovery.forgot_password(session=session, email=str(data.email))
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(
    data: ResetPasswordRequest, session: SessionDep, client: ClientDep, recovery: RecoveryDep
) -> Response:
    """Choose a new password with the token from the reset e-mail; ends every session."""
    await recovery.reset_password(
        session=session, token=data.token, password=data.password, client=client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
