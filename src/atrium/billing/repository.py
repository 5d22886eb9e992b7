"""SQL for billing: tenants' Stripe accounts and the Stripe events already processed."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.billing.models import BillingAccount, StripeEvent


class BillingRepository:
    async def claim_event(self, session: AsyncSession, *, event_id: str, event_type: str) -> bool:
        """Record the event as processed; False if it was already. A concurrent delivery of
        the same id waits here for the first one's transaction, then finds it."""
        stmt = (
            insert(StripeEvent)
            .values(id=event_id, type=event_type)
            .on_conflict_do_nothing(index_elements=[StripeEvent.id])
            .returning(StripeEvent.id)
        )
        return (await session.scalar(stmt)) is not None

    async def lock_account(
        self, session: AsyncSession, *, tenant_id: uuid.UUID
    ) -> BillingAccount | None:
        stmt = select(BillingAccount).where(BillingAccount.tenant_id == tenant_id).with_for_update()
        return await session.scalar(stmt)

    async def get_account(
        self, session: AsyncSession, *, tenant_id: uuid.UUID
    ) -> BillingAccount | None:
        return await session.scalar(
            select(BillingAccount).where(BillingAccount.tenant_id == tenant_id)
        )

    async def lock_or_create_account(
        self, session: AsyncSession, *, tenant_id: uuid.UUID
    ) -> BillingAccount:
        """The tenant's account, created if it has none, locked until the transaction ends
        (two events about one tenant are applied one after the other)."""
        await session.execute(
            insert(BillingAccount)
            .values(tenant_id=tenant_id)
            .on_conflict_do_nothing(index_elements=[BillingAccount.tenant_id])
        )
        account = await self.lock_account(session, tenant_id=tenant_id)
        assert account is not None
        return account

    async def lapsed_tenants(self, session: AsyncSession, *, now: dt.datetime) -> list[uuid.UUID]:
        """Tenants whose grace period has ended (under the platform-admin read policy)."""
        stmt = (
            select(BillingAccount.tenant_id)
            .where(BillingAccount.grace_until <= now)
            .order_by(BillingAccount.grace_until)
            .limit(1000)
        )
        return list(await session.scalars(stmt))


billing_repository = BillingRepository()
