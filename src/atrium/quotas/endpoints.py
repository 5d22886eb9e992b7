"""HTTP for the limits a tenant admin narrows on one API key or one member."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from atrium.api_keys.service import ApiKeyService
from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import ClientDep, SessionDep, provided
from atrium.quotas.schemas import EffectiveLimitsPublic, LimitsPublic, LimitsUpdate
from atrium.tenants.limits import LimitOverrides, PlanLimits
from atrium.tenants.service import TenantService

router = APIRouter(tags=["limits"])

ApiKeyServiceDep = Annotated[ApiKeyService, Depends(provided("api_key_service"))]
TenantServiceDep = Annotated[TenantService, Depends(provided("tenant_service"))]


def _public(stored: LimitOverrides, plan: PlanLimits) -> LimitsPublic:
    effective = plan.narrowed(stored)
    return LimitsPublic(
        **stored.model_dump(),
        effective=EffectiveLimitsPublic(
            requests_per_minute=effective.requests_per_minute,
            tokens_per_minute=effective.tokens_per_minute,
            tokens_per_month=effective.tokens_per_month,
            cost_ceiling_usd_per_month=effective.cost_ceiling_usd_per_month,
        ),
    )


@router.put("/api-keys/{key_id}/limits")
async def set_api_key_limits(
    key_id: uuid.UUID,
    data: LimitsUpdate,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    api_key_service: ApiKeyServiceDep,
    tenant_service: TenantServiceDep,
) -> LimitsPublic:
    """Set one key's limits (requests and tokens per minute, tokens and cost per month),
    replacing those set before; each only narrows the plan's. Tenant owners and admins."""
    stored = await api_key_service.set_limits(
        session=session, auth=auth, key_id=key_id, limits=data.overrides(), client=client
    )
    return _public(stored, await tenant_service.plan_limits(auth.plan_id))


@router.put("/tenants/current/members/{user_id}/limits")
async def set_member_limits(
    user_id: uuid.UUID,
    data: LimitsUpdate,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    tenant_service: TenantServiceDep,
) -> LimitsPublic:
    """Set one member's limits, which hold for their sessions and their API keys alike,
    replacing those set before; each only narrows the plan's. Tenant owners and admins."""
    stored = await tenant_service.set_member_limits(
        session=session, auth=auth, user_id=user_id, limits=data.overrides(), client=client
    )
    return _public(stored, await tenant_service.plan_limits(auth.plan_id))
