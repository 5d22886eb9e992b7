"""Plans made for one test: a tenant put on limits of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import psycopg
import pytest
from psycopg.types.json import Jsonb


class InTenant(Protocol):
    tenant_id: str


ALL_FEATURES = ["chat", "gateway", "tools", "mcp", "byok", "knowledge", "audit_export"]
ROOMY = {"requests_per_minute": 1000, "tokens_per_minute": 10_000_000, "concurrent_runs": 50}


PlanMaker = Callable[..., str]


@pytest.fixture
def on_plan(db: psycopg.Connection[Any]) -> Iterator[PlanMaker]:
    """Puts a tenant on a plan of its own with the given limits (a fresh plan id, so no
    process has it cached); both are undone after the test."""
    made: list[tuple[str, str]] = []

    def put(principal: InTenant, **limits: Any) -> str:
        plan_id = f"test-{uuid.uuid4().hex[:12]}"
        stored = {"allowed_models": ["*"], "features": ALL_FEATURES, **ROOMY, **limits}
        db.execute(
            "INSERT INTO plans (id, name, position, monthly_price_cents, limits) "
            "VALUES (%s, %s, 1000, 0, %s)",
            (plan_id, plan_id, Jsonb(stored)),
        )
        db.execute("UPDATE tenants SET plan_id = %s WHERE id = %s", (plan_id, principal.tenant_id))
        made.append((plan_id, principal.tenant_id))
        return plan_id

    yield put
    for plan_id, tenant_id in made:
        db.execute("UPDATE tenants SET plan_id = 'basic' WHERE id = %s", (tenant_id,))
        db.execute("DELETE FROM plans WHERE id = %s", (plan_id,))
