"""Budgets through the gateway: a burst of concurrent calls cannot overspend a ceiling, and
the ledger equals what the provider reported."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import psycopg

from tests.budgets.ledger import (
    put_on_plan,
    recorded_tokens,
    reservation_tokens,
    stream_calls,
    tenant_period,
)
from tests.support import AtriumProcess, api_key, register

CALLS = 200
ALLOWED = 17


def test_concurrent_calls_cannot_overspend(
    slow_server: AtriumProcess, budget_db: psycopg.Connection[Any]
) -> None:
    owner = register(slow_server.url)
    ceiling = ALLOWED * reservation_tokens()
    put_on_plan(budget_db, owner.tenant_id, tokens_per_month=ceiling)
    key = api_key(owner)

    results = asyncio.run(stream_calls([slow_server.url], key, CALLS, "scripted/slow"))

    served = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, openai.RateLimitError)]
    assert len(served) == ALLOWED
    assert len(refused) == CALLS - ALLOWED
    body: Any = refused[0].body
    assert body["code"] == "budget_exceeded"
    assert "monthly token budget" in body["message"]
    reported = sum(u.total_tokens for u in served)
    spent, reserved, _, _ = tenant_period(budget_db, owner.tenant_id)
    assert reserved == 0
    assert spent == reported <= ceiling
    assert recorded_tokens(budget_db, owner.tenant_id, ALLOWED) == reported
