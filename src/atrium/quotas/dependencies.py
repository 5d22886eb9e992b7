"""The quota service for endpoints, and the call that admits a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.kit.deps import provided
from atrium.quotas.service import HEADERS_STATE, Allowance, QuotaService

QuotaServiceDep = Annotated[QuotaService, Depends(provided("quota_service"))]


async def admit(
    request: Request,
    quotas: QuotaService,
    auth: AuthContext,
    *,
    requests: int = 1,
    session: AsyncSession | None = None,
) -> Allowance:
    """Admit the request against the caller's limits, and leave its `x-ratelimit-*`
    headers for the response (a refusal carries them too)."""
    allowance = await quotas.admit(
        auth, requests=requests, session=session
    )  # a refusal carries its own
    request.scope.setdefault("state", {})[HEADERS_STATE] = allowance.headers
    return allowance
