"""The budget ledger's rules: which ceilings a call falls under, reserving its worst case
before it reaches a provider, settling its real usage after it."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from atrium.budgets.repository import budget_repository
from atrium.budgets.schemas import BudgetScope, Ceiling, Reservation, Settlement
from atrium.budgets.writer import GroupWriter, OwnConnection
from atrium.kit.db import Database
from atrium.kit.errors import QuotaExceeded
from atrium.kit.logging import get_logger
from atrium.tenants.limits import LimitOverrides, PlanLimits

_log = get_logger("atrium.budgets")

_Overrides = tuple[LimitOverrides | None, LimitOverrides | None]


class BudgetExceeded(QuotaExceeded):
    """A call would cross a monthly ceiling: refused before it reaches the provider."""

    code = "budget_exceeded"

    def __init__(self, message: str, *, scope: BudgetScope, dimension: str) -> None:
        # OpenAI's SDKs retry a 429 unless told not to; a monthly budget will not recover
        # in the seconds they wait.
        super().__init__(message, headers={"x-should-retry": "false"})
        self.scope = scope
        self.dimension = dimension


class _OverrideCache:
    """The key's and member's overrides, for a few seconds: a busy key reserves without
    reading them again. An admin's change is seen when the entry expires."""

    def __init__(self, ttl_seconds: float, size: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, _Overrides]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> _Overrides | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: tuple[Any, ...], value: _Overrides) -> None:
        self._entries[key] = (time.monotonic() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _month(now: dt.datetime | None = None) -> dt.date:
    today = (now or dt.datetime.now(dt.UTC)).date()
    return today.replace(day=1)


def _override(stored: dict[str, Any] | None) -> LimitOverrides | None:
    if not stored:
        return None
    known = {k: v for k, v in stored.items() if k in LimitOverrides.model_fields}
    return LimitOverrides.model_validate(known)


def _ceiling(
    scope: BudgetScope, scope_id: uuid.UUID | None, limits: LimitOverrides | None
) -> Ceiling | None:
    if scope_id is None or limits is None:
        return None
    tokens = limits.tokens_per_month
    cost = limits.cost_ceiling_usd_per_month
    if tokens is None and cost is None:
        return None
    return Ceiling(scope, scope_id, tokens, Decimal(str(cost)) if cost is not None else None)


_SCOPE_NAMES = {
    BudgetScope.tenant: "your plan's",
    BudgetScope.key: "this API key's",
    BudgetScope.member: "your membership's",
}


class BudgetService:
    """Reserves, settles and releases spend against monthly ceilings in PostgreSQL.

    Ceilings are the plan's `tokens_per_month` and `cost_ceiling_usd_per_month` for the
    tenant, narrowed per API key and per member by their `limits` overrides. Each ceiling
    has its own ledger row per month; a call is held against all of its rows or none.
    """

    def __init__(
        self,
        *,
        db: Database,
        dsn: str,
        reservation_seconds: float,
        overrides_ttl_seconds: float = 5.0,
    ) -> None:
        self._db = db
        self._reserving = OwnConnection(dsn)
        self._settling = OwnConnection(dsn)
        self._ttl = reservation_seconds
        self._overrides = _OverrideCache(overrides_ttl_seconds)
        self._reservations = GroupWriter(self._write_reservations, "budget-reserve")
        self._settlements = GroupWriter(self._write_settlements, "budget-settle")

    async def reserve(
        self,
        *,
        tenant_id: uuid.UUID,
        api_key_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        limits: PlanLimits,
        tokens: int,
        cost_usd: Decimal,
    ) -> Reservation | None:
        """Hold a call's worst case against every ceiling it falls under, or raise
        `BudgetExceeded`. None when no ceiling applies (nothing to settle)."""
        cache_key = (tenant_id, api_key_id, user_id)
        overrides = self._overrides.get(cache_key)
        if overrides is None:
            async with self._db.transaction(tenant_id=tenant_id) as session:
                key, member = await budget_repository.overrides(
                    session, tenant_id=tenant_id, api_key_id=api_key_id, user_id=user_id
                )
            overrides = (_override(key), _override(member))
            self._overrides.put(cache_key, overrides)
        ceilings = self._ceilings(tenant_id, api_key_id, user_id, limits, overrides)
        if not ceilings:
            return None
        reservation = Reservation(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            month=_month(),
            ceilings=ceilings,
            tokens=tokens,
            cost_usd=cost_usd,
        )
        for _ in range(4):
            if await self._reservations.submit(reservation):
                return reservation
            if await self._make_room(reservation):
                continue
            refusal = await self._refusal(reservation)
            if refusal is not None:
                raise refusal
            # Room now: calls settled (or this month's rows were opened) meanwhile.
        first = ceilings[0]
        raise BudgetExceeded(
            f"This call would exceed {_SCOPE_NAMES[first.scope]} monthly budget: too many calls "
            "in progress hold it; retry when some have finished",
            scope=first.scope,
            dimension="tokens" if first.tokens is not None else "cost",
        )

    async def _make_room(self, reservation: Reservation) -> bool:
        """After a refused reservation: open this month's missing rows and release expired
        reservations of killed processes. True when either changed something (try again)."""
        async with self._db.transaction(tenant_id=reservation.tenant_id) as session:
            opened = await budget_repository.open_periods(
                session,
                tenant_id=reservation.tenant_id,
                month=reservation.month,
                ceilings=reservation.ceilings,
            )
            released = await budget_repository.release_expired(
                session, tenant_id=reservation.tenant_id
            )
        if released:
            _log.info("budget_reservations_expired", count=released)
        return bool(opened or released)

    async def _refusal(self, reservation: Reservation) -> BudgetExceeded | None:
        """The error that names the ceiling the call would cross; None when the ledger now
        has room for it."""
        async with self._db.transaction(tenant_id=reservation.tenant_id) as session:
            rows = await budget_repository.periods(
                session, tenant_id=reservation.tenant_id, month=reservation.month
            )
        by_scope = {(r.scope, r.scope_id): r for r in rows}
        for ceiling in reservation.ceilings:
            row = by_scope.get((ceiling.scope.value, ceiling.scope_id))
            if row is None:
                continue
            whose = _SCOPE_NAMES[ceiling.scope]
            if (
                ceiling.tokens is not None
                and row.tokens_spent + row.tokens_reserved + reservation.tokens > ceiling.tokens
            ):
                return BudgetExceeded(
                    f"This call would exceed {whose} monthly token budget: "
                    f"{ceiling.tokens} tokens, {row.tokens_spent} spent, "
                    f"{row.tokens_reserved} held by calls in progress, "
                    f"this call may use up to {reservation.tokens}",
                    scope=ceiling.scope,
                    dimension="tokens",
                )
            if (
                ceiling.cost_usd is not None
                and row.cost_spent + row.cost_reserved + reservation.cost_usd > ceiling.cost_usd
            ):
                return BudgetExceeded(
                    f"This call would exceed {whose} monthly cost budget: "
                    f"${ceiling.cost_usd}, ${row.cost_spent:.6f} spent, "
                    f"${row.cost_reserved:.6f} held by calls in progress, "
                    f"this call may cost up to ${reservation.cost_usd:.6f}",
                    scope=ceiling.scope,
                    dimension="cost",
                )
        return None

    @staticmethod
    def _ceilings(
        tenant_id: uuid.UUID,
        api_key_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        limits: PlanLimits,
        overrides: _Overrides,
    ) -> tuple[Ceiling, ...]:
        key, member = overrides
        found = (
            _ceiling(BudgetScope.tenant, tenant_id, limits),
            _ceiling(BudgetScope.key, api_key_id, key),
            _ceiling(BudgetScope.member, user_id, member),
        )
        return tuple(c for c in found if c is not None)

    async def _write_reservations(self, reservations: list[Reservation]) -> list[bool]:
        async with self._reserving.use() as connection:
            return await budget_repository.reserve_many(connection, reservations, self._ttl)

    async def settle(self, reservation: Reservation, *, tokens: int, cost_usd: Decimal) -> None:
        """Record a call's real usage and give back the rest of its reservation; returns once
        it is written. A failure is logged, not raised: the call has happened, and its
        reservation will expire."""
        try:
            await self._settlements.submit(Settlement(reservation, tokens, cost_usd))
        except Exception:
            _log.exception("budget_settle_failed", reservation_id=str(reservation.id))

    async def _write_settlements(self, settlements: list[Settlement]) -> list[None]:
        async with self._settling.use() as connection:
            await budget_repository.settle_many(connection, settlements)
        return [None] * len(settlements)

    async def close(self) -> None:
        """Finish the writes under way (at shutdown)."""
        await self._reservations.close()
        await self._settlements.close()
        await self._reserving.close()
        await self._settling.close()

    async def release(self, reservation: Reservation) -> None:
        """Give back a reservation whose call used nothing (it failed before a reply)."""
        await self.settle(reservation, tokens=0, cost_usd=Decimal(0))
