from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, EmailStr, Field, StringConstraints

from atrium.kit.schemas import Input, Name, Output, Storable
from atrium.tenants.limits import PlanLimits

MemberRole = Literal["owner", "admin", "member"]
# A plan's id names it in URLs, settings (ATRIUM_STRIPE_PRICES) and the audit log.
PlanId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
ModelPattern = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PlanPublic(Output):
    id: str
    name: str
    monthly_price_cents: int
    limits: dict[str, Any]


class PlanAdminPublic(PlanPublic):
    position: int


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
    plan_id: PlanId | None = Field(
        default=None, description="move the tenant to this plan without payment"
    )


class TenantAdminPublic(TenantPublic):
    allow_private_provider_urls: bool


class TenantMembershipPublic(Output):
    tenant: TenantPublic
    role: MemberRole


class SubscribeRequest(Input):
    plan_id: PlanId


class PlanLimitsInput(PlanLimits, Storable):
    """A plan's limits as a platform administrator sets them: every name must be known
    (a misspelt limit would silently be no limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed_models: list[ModelPattern] = Field(
        default_factory=lambda: ["*"], min_length=0, max_length=100
    )


class PlanCreate(Input):
    id: PlanId
    name: Name
    position: int = Field(ge=0, le=10_000)
    monthly_price_cents: int = Field(ge=0, le=100_000_000)
    limits: PlanLimitsInput


class PlanUpdate(Input):
    """The fields to change; `limits` replaces the plan's limits as a whole."""

    name: Name | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    monthly_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    limits: PlanLimitsInput | None = None


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
