from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import EmailStr

from atrium.kit.schemas import Input, Name, Output

MemberRole = Literal["owner", "admin", "member"]


class PlanPublic(Output):
    id: str
    name: str
    monthly_price_cents: int
    limits: dict[str, Any]


class TenantPublic(Output):
    id: uuid.UUID
    name: str
    plan_id: str
    status: str
    created_at: dt.datetime


class TenantCreate(Input):
    name: Name


class TenantUpdate(Input):
    name: Name


class TenantAdminUpdate(Input):
    status: Literal["active", "suspended"] | None = None
    allow_private_provider_urls: bool | None = None


class TenantAdminPublic(TenantPublic):
    allow_private_provider_urls: bool


class TenantMembershipPublic(Output):
    tenant: TenantPublic
    role: MemberRole


class SubscribeRequest(Input):
    plan_id: Literal["basic", "premium", "gold"]


class MemberPublic(Output):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: MemberRole
    joined_at: dt.datetime


class MemberUpdate(Input):
    role: MemberRole


class InvitationCreate(Input):
    email: EmailStr
    role: MemberRole = "member"


class InvitationPublic(Output):
    id: uuid.UUID
    email: str
    role: MemberRole
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationAccept(Input):
    token: str
