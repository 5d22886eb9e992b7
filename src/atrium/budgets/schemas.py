"""The ledger's vocabulary: which ceiling a call is held against, and what it holds."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class BudgetScope(StrEnum):
    """Whose ceiling: the tenant's plan, one API key's override, or one member's."""

    tenant = "tenant"
    key = "key"
    member = "member"


@dataclass(frozen=True, slots=True)
class Ceiling:
    """One monthly ceiling a call falls under (`None`: that dimension is not limited)."""

    scope: BudgetScope
    scope_id: uuid.UUID
    tokens: int | None
    cost_usd: Decimal | None


@dataclass(frozen=True, slots=True)
class Reservation:
    """A call's worst case, held against its ceilings until it settles or expires."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    month: dt.date
    ceilings: tuple[Ceiling, ...]
    tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class Settlement:
    """A finished call's real usage, to be set against its reservation."""

    reservation: Reservation
    tokens: int
    cost_usd: Decimal
