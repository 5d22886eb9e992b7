"""Budgets through agent runs: each model step reserves before it reaches the provider, a
burst of runs cannot overspend, and a run stopped by a budget ends with a clear error and
leaves its thread usable."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from langgraph_sdk import get_client

from tests.budgets.conftest import CALL_COST, REPLY_TOKENS
from tests.budgets.ledger import (
    MAX_TOKENS,
    PROMPT,
    put_on_plan,
    recorded_tokens,
    reservation_tokens,
    tenant_period,
)
from tests.support import AtriumProcess, api_key, register

RUNS = 100
ALLOWED = 11


def _says(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


async def _burst(url: str, key: str) -> tuple[str, list[Any]]:
    client = get_client(url=url, api_key=key)
    try:
        assistant = await client.assistants.create(
            graph_id="agent", context={"model": "scripted/slow", "max_tokens": REPLY_TOKENS}
        )
        aid = assistant["assistant_id"]
        threads = [await client.threads.create() for _ in range(RUNS)]
        runs = await asyncio.gather(
            *(client.runs.create(t["thread_id"], aid, input=_says(PROMPT)) for t in threads)
        )
        await asyncio.gather(*(client.runs.join(r["thread_id"], r["run_id"]) for r in runs))
        finished = await asyncio.gather(
            *(client.runs.get(r["thread_id"], r["run_id"]) for r in runs)
        )
        return aid, list(finished)
    finally:
        await client.http.client.aclose()


def test_concurrent_runs_cannot_overspend(
    slow_server: AtriumProcess, budget_db: psycopg.Connection[Any]
) -> None:
    # A run's one model step reserves exactly what it spends (see conftest), so exactly
    # ALLOWED runs fit, however the runs interleave.
    owner = register(slow_server.url)
    ceiling = ALLOWED * CALL_COST
    put_on_plan(budget_db, owner.tenant_id, cost_ceiling_usd_per_month=float(ceiling))
    key = api_key(owner, role="admin")

    _, runs = asyncio.run(_burst(slow_server.url, key))

    succeeded = [r for r in runs if r["status"] == "success"]
    stopped = [r for r in runs if r["status"] == "error"]
    assert len(succeeded) == ALLOWED
    assert len(stopped) == RUNS - ALLOWED
    spent, reserved, cost, cost_reserved = tenant_period(budget_db, owner.tenant_id)
    assert reserved == 0
    assert cost_reserved == 0
    assert cost == ceiling
    assert spent == recorded_tokens(budget_db, owner.tenant_id, ALLOWED)


async def _stopped_then_resumed(url: str, key: str, raise_budget: Any) -> None:
    client = get_client(url=url, api_key=key)
    try:
        assistant = await client.assistants.create(
            graph_id="agent", context={"model": "scripted/fast", "max_tokens": MAX_TOKENS}
        )
        aid = assistant["assistant_id"]
        thread = await client.threads.create()
        tid = thread["thread_id"]
        first = await client.runs.wait(tid, aid, input=_says(PROMPT))
        assert isinstance(first, dict)
        assert [m["type"] for m in first["messages"]] == ["human", "ai"]

        parts = [
            p async for p in client.runs.stream(tid, aid, input=_says(PROMPT), stream_mode="values")
        ]
        errors = [p.data for p in parts if p.event == "error"]
        assert len(errors) == 1
        assert errors[0]["error"] == "budget_exceeded"
        assert "monthly token budget" in errors[0]["message"]
        [stopped] = [r for r in await client.runs.list(tid) if r["status"] == "error"]
        assert stopped["status"] == "error"

        # The thread is intact: its state reads, and it runs again once the budget allows.
        state = await client.threads.get_state(tid)
        values: Any = state["values"]
        assert [m["type"] for m in values["messages"]][:2] == ["human", "ai"]
        raise_budget()
        again = await client.runs.wait(tid, aid, input=_says("and now?"))
        assert isinstance(again, dict)
        assert again["messages"][-1]["type"] == "ai"
        assert len(again["messages"]) >= 4
    finally:
        await client.http.client.aclose()


def test_run_stopped_by_budget_ends_clearly_and_thread_survives(
    base_url: str, db: psycopg.Connection[Any]
) -> None:
    owner = register(base_url)
    # Room for one model call, not two.
    put_on_plan(db, owner.tenant_id, tokens_per_month=reservation_tokens() + 10)
    key = api_key(owner, role="admin")

    def raise_budget() -> None:
        put_on_plan(db, owner.tenant_id, tokens_per_month=reservation_tokens() * 100)

    asyncio.run(_stopped_then_resumed(base_url, key, raise_budget))
