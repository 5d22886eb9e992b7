"""Every statement of the budget ledger. Reserve and settle are one statement each, so the
hot path costs one round trip before a call and one after it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from atrium.budgets.schemas import Ceiling, Reservation

# Both are functions of migration 0007 (`budget_reserve`, `budget_settle`): each runs as one
# statement in a transaction of its own, so a call costs one round trip before and one after,
# and the tenant's ledger row is locked only while the statement runs. The ceiling check sits
# in the UPDATE's WHERE: a concurrent call that committed first is re-read under the row lock
# (READ COMMITTED's re-check), so two calls never both pass on the same remaining allowance.
_RESERVE = text(
    """
    SELECT budget_reserve(
      :tenant_id, :id, :month, CAST(:scopes AS text[]), CAST(:scope_ids AS uuid[]),
      CAST(:token_ceilings AS bigint[]), CAST(:cost_ceilings AS numeric[]),
      :tokens, :cost, :ttl
    )
    """
)

_SETTLE = text(
    """
    SELECT budget_settle(
      :tenant_id, :id, :month, CAST(:scopes AS text[]), CAST(:scope_ids AS uuid[]),
      :tokens, :cost
    )
    """
)

_RELEASE_EXPIRED = text(
    """
    WITH gone AS (
      DELETE FROM budget_reservations
      WHERE tenant_id = :tenant_id AND expires_at < now()
      RETURNING month, scopes, scope_ids, tokens, cost
    ),
    per_row AS (
      SELECT g.month, s.scope, s.scope_id, sum(g.tokens) AS tokens, sum(g.cost) AS cost
      FROM gone g, unnest(g.scopes, g.scope_ids) AS s(scope, scope_id)
      GROUP BY g.month, s.scope, s.scope_id
    ),
    released AS (
      UPDATE budget_periods b
      SET tokens_reserved = b.tokens_reserved - p.tokens,
          cost_reserved = b.cost_reserved - p.cost,
          updated_at = now()
      FROM per_row p
      WHERE b.tenant_id = :tenant_id AND b.month = p.month
        AND b.scope = p.scope AND b.scope_id = p.scope_id
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)
    """
)

_OPEN_PERIODS = text(
    """
    INSERT INTO budget_periods (tenant_id, scope, scope_id, month)
    SELECT :tenant_id, s.scope, s.scope_id, :month
    FROM unnest(CAST(:scopes AS text[]), CAST(:scope_ids AS uuid[])) AS s(scope, scope_id)
    ON CONFLICT ON CONSTRAINT budget_periods_pkey DO NOTHING
    RETURNING 1
    """
)

_PERIODS = text(
    """
    SELECT scope, scope_id, tokens_spent, tokens_reserved, cost_spent, cost_reserved
    FROM budget_periods
    WHERE tenant_id = :tenant_id AND month = :month
    """
)

# The overrides a tenant admin set on a key and on a member (migration 0004). Read here, in
# the reserving transaction, so that a cache miss costs no round trip of its own.
_OVERRIDES = text(
    """
    SELECT
      (SELECT limits FROM api_keys WHERE tenant_id = :tenant_id AND id = :api_key_id),
      (SELECT limits FROM memberships WHERE tenant_id = :tenant_id AND user_id = :user_id)
    """
)


def _arrays(ceilings: tuple[Ceiling, ...]) -> dict[str, Any]:
    return {
        "scopes": [c.scope.value for c in ceilings],
        "scope_ids": [c.scope_id for c in ceilings],
    }


class BudgetRepository:
    async def reserve(
        self, connection: AsyncConnection, reservation: Reservation, ttl: float
    ) -> bool:
        """Hold the reservation against every ceiling, or against none (False). On a
        connection in autocommit mode: the statement is its own transaction."""
        ceilings = reservation.ceilings
        result = await connection.execute(
            _RESERVE,
            {
                **_arrays(ceilings),
                "token_ceilings": [c.tokens for c in ceilings],
                "cost_ceilings": [c.cost_usd for c in ceilings],
                "tenant_id": reservation.tenant_id,
                "id": reservation.id,
                "month": reservation.month,
                "tokens": reservation.tokens,
                "cost": reservation.cost_usd,
                "ttl": ttl,
            },
        )
        return bool(result.scalar_one())

    async def settle(
        self,
        connection: AsyncConnection,
        reservation: Reservation,
        *,
        tokens: int,
        cost: Decimal,
    ) -> None:
        """Add the real usage, give back the reservation (autocommit, like `reserve`)."""
        await connection.execute(
            _SETTLE,
            {
                **_arrays(reservation.ceilings),
                "tenant_id": reservation.tenant_id,
                "id": reservation.id,
                "month": reservation.month,
                "tokens": tokens,
                "cost": cost,
            },
        )

    async def release_expired(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> int:
        result = await session.execute(_RELEASE_EXPIRED, {"tenant_id": tenant_id})
        return int(result.scalar_one())

    async def open_periods(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        month: dt.date,
        ceilings: tuple[Ceiling, ...],
    ) -> int:
        result = await session.execute(
            _OPEN_PERIODS, {**_arrays(ceilings), "tenant_id": tenant_id, "month": month}
        )
        return len(result.all())

    async def periods(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, month: dt.date
    ) -> list[Any]:
        result = await session.execute(_PERIODS, {"tenant_id": tenant_id, "month": month})
        return list(result.all())

    async def overrides(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        api_key_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        result = await session.execute(
            _OVERRIDES, {"tenant_id": tenant_id, "api_key_id": api_key_id, "user_id": user_id}
        )
        key, member = result.one()
        return key, member


budget_repository = BudgetRepository()
