"""Every statement of the budget ledger. Reserve and settle are one statement each, so the
hot path costs one round trip before a call and one after it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.budgets.schemas import Ceiling, Reservation, Settlement

# Both are functions of migration 0007 (`budget_reserve`, `budget_settle`): each runs as one
# statement in a transaction of its own, so a call costs one round trip before and one after,
# and the tenant's ledger row is locked only while the statement runs. The ceiling check sits
# in the UPDATE's WHERE: a concurrent call that committed first is re-read under the row lock
# (READ COMMITTED's re-check), so two calls never both pass on the same remaining allowance.
# Run on a psycopg connection of their own (the group writers', see service.py): psycopg's
# placeholders, and psycopg prepares them on the server after a few executions.
_RESERVE_MANY = """
    SELECT budget_reserve_many(
      %(tenants)s::uuid[], %(ids)s::uuid[], %(months)s::date[],
      %(tokens)s::bigint[], %(costs)s::numeric[], %(ttl)s::double precision,
      %(items)s::integer[], %(scopes)s::text[], %(scope_ids)s::uuid[],
      %(token_ceilings)s::bigint[], %(cost_ceilings)s::numeric[]
    )
"""

_SETTLE_MANY = """
    SELECT budget_settle_many(
      %(tenants)s::uuid[], %(ids)s::uuid[], %(months)s::date[],
      %(tokens)s::bigint[], %(costs)s::numeric[],
      %(items)s::integer[], %(scopes)s::text[], %(scope_ids)s::uuid[]
    )
"""

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
    async def reserve_many(
        self, connection: psycopg.AsyncConnection[Any], reservations: list[Reservation], ttl: float
    ) -> list[bool]:
        """Hold each reservation against every one of its ceilings, or against none (False
        for it), in one statement (autocommit: the statement is its own transaction).
        Sorted by tenant, so that every process locks in one order."""
        order = sorted(range(len(reservations)), key=lambda i: str(reservations[i].tenant_id))
        ordered = [reservations[i] for i in order]
        items: list[int] = []
        ceilings: list[Ceiling] = []
        for index, reservation in enumerate(ordered, start=1):
            for ceiling in reservation.ceilings:
                items.append(index)
                ceilings.append(ceiling)
        cursor = await connection.execute(
            _RESERVE_MANY,
            {
                "tenants": [r.tenant_id for r in ordered],
                "ids": [r.id for r in ordered],
                "months": [r.month for r in ordered],
                "tokens": [r.tokens for r in ordered],
                "costs": [r.cost_usd for r in ordered],
                "ttl": ttl,
                "items": items,
                "scopes": [c.scope.value for c in ceilings],
                "scope_ids": [c.scope_id for c in ceilings],
                "token_ceilings": [c.tokens for c in ceilings],
                "cost_ceilings": [c.cost_usd for c in ceilings],
            },
        )
        row = await cursor.fetchone()
        assert row is not None
        held: list[bool] = list(row[0])
        answers = [False] * len(reservations)
        for position, index in enumerate(order):
            answers[index] = bool(held[position])
        return answers

    async def settle_many(
        self, connection: psycopg.AsyncConnection[Any], settlements: list[Settlement]
    ) -> None:
        """Add each call's real usage and give back its reservation, in one statement
        (autocommit, like `reserve`). Sorted by tenant: every process locks in one order."""
        ordered = sorted(settlements, key=lambda s: str(s.reservation.tenant_id))
        items: list[int] = []
        scopes: list[str] = []
        scope_ids: list[uuid.UUID] = []
        for index, settlement in enumerate(ordered, start=1):
            for ceiling in settlement.reservation.ceilings:
                items.append(index)
                scopes.append(ceiling.scope.value)
                scope_ids.append(ceiling.scope_id)
        await connection.execute(
            _SETTLE_MANY,
            {
                "tenants": [s.reservation.tenant_id for s in ordered],
                "ids": [s.reservation.id for s in ordered],
                "months": [s.reservation.month for s in ordered],
                "tokens": [s.tokens for s in ordered],
                "costs": [s.cost_usd for s in ordered],
                "items": items,
                "scopes": scopes,
                "scope_ids": scope_ids,
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
