"""A plan's concurrent runs: a new run over the limit is refused with 429 (as LangGraph's
Agent Server refuses what it cannot take), never queued behind an unbounded backlog."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.quotas.errors import LimitReached
from atrium.quotas.metrics import LimitName
from atrium.runs.repository import run_repository
from atrium.tenants.service import TenantService

# A run of the local model ends within seconds; a client retrying sooner only adds load.
_RETRY_AFTER_SECONDS = 5


class RunLimits:
    def __init__(self, *, tenant_service: TenantService) -> None:
        self._tenants = tenant_service

    async def admit(self, *, session: AsyncSession, auth: AuthContext) -> None:
        """Refuse a new run when the tenant's pending and running runs fill its plan's
        `concurrent_runs`. Holds a per-tenant lock until the creating transaction ends, so
        concurrent creations (and each run of a batch) are counted one after another."""
        allowed = (await self._tenants.plan_limits(auth.plan_id)).concurrent_runs
        if allowed is None:
            return
        await run_repository.lock_tenant_runs(session, tenant_id=auth.tenant_id)
        active = await run_repository.count_active(session, tenant_id=auth.tenant_id)
        if active >= allowed:
            raise LimitReached(
                LimitName.concurrent_runs,
                f"Your plan allows {allowed} concurrent runs and {active} are pending or "
                "running; retry when one has ended",
                retry_after=_RETRY_AFTER_SECONDS,
            )
