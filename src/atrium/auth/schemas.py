from __future__ import annotations

import uuid
from typing import Literal

from pydantic import EmailStr

from atrium.kit.schemas import Input, Name, Output, Password, Token
from atrium.tenants.schemas import TenantMembershipPublic, TenantPublic
from atrium.users.schemas import UserPublic


class RegisterRequest(Input):
    email: EmailStr
    password: Password
    full_name: Name
    tenant_name: Name | None = None
    invitation_token: Token | None = None


class LoginRequest(Input):
    email: EmailStr
    password: Password
    tenant_id: uuid.UUID | None = None


class RefreshRequest(Input):
    refresh_token: Token


class SwitchTenantRequest(Input):
    tenant_id: uuid.UUID


class TokenPair(Output):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int
    tenant_id: uuid.UUID
    role: Literal["owner", "admin", "member"]


class MePublic(Output):
    user: UserPublic
    tenant: TenantPublic
    role: Literal["owner", "admin", "member"]
    via_api_key: bool
    tenants: list[TenantMembershipPublic]


class EmailTokenRequest(Input):
    token: Token


class ForgotPasswordRequest(Input):
    email: EmailStr


class ResetPasswordRequest(Input):
    token: Token
    password: Password
