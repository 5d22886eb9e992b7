"""Helpers of the budget tests: a plan of the test's own, and the ledger read as the owner."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from decimal import Decimal
from typing import Any

import openai
import psycopg
from openai.types.chat import ChatCompletionMessageParam

from atrium.providers.service import prompt_tokens_bound

PROMPT = "How much is left of my budget?"
MESSAGES = [{"role": "user", "content": PROMPT}]
MAX_TOKENS = 40


def reservation_tokens(
    messages: list[dict[str, Any]] = MESSAGES, max_tokens: int = MAX_TOKENS
) -> int:
    """What one call reserves: its prompt's bound plus its output cap."""
    return prompt_tokens_bound({"messages": messages}) + max_tokens


def put_on_plan(db: psycopg.Connection[Any], tenant_id: str, **limits: Any) -> str:
    """A plan of this test's own with these limits (every model allowed), and the tenant on
    it. Plans are read once per process, so each test makes a new one."""
    plan_id = f"budget-{uuid.uuid4().hex[:10]}"
    db.execute(
        "INSERT INTO plans (id, name, position, monthly_price_cents, limits) "
        "VALUES (%s, %s, 90, 0, %s)",
        (plan_id, plan_id, json.dumps({"allowed_models": ["*"], **limits})),
    )
    db.execute("UPDATE tenants SET plan_id = %s WHERE id = %s", (plan_id, tenant_id))
    return plan_id


def tenant_period(db: psycopg.Connection[Any], tenant_id: str) -> tuple[int, int, Decimal, Decimal]:
    """This month's (tokens spent, tokens reserved, cost spent, cost reserved) of the tenant."""
    row = db.execute(
        "SELECT tokens_spent, tokens_reserved, cost_spent, cost_reserved FROM budget_periods "
        "WHERE tenant_id = %s AND scope = 'tenant' AND month = date_trunc('month', now())::date",
        (tenant_id,),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), Decimal(row[2]), Decimal(row[3])


def recorded_tokens(db: psycopg.Connection[Any], tenant_id: str, calls: int) -> int:
    """The provider-reported tokens of the tenant's successful calls, once all `calls` usage
    records are written (the recorder writes in batches)."""
    deadline = time.monotonic() + 15
    while True:
        count, tokens = db.execute(
            "SELECT count(*), coalesce(sum(input_tokens + output_tokens), 0) FROM usage_records "
            "WHERE tenant_id = %s AND status = 'ok'",
            (tenant_id,),
        ).fetchone() or (0, 0)
        if count >= calls or time.monotonic() > deadline:
            assert count == calls
            return int(tokens)
        time.sleep(0.1)


async def stream_calls(urls: list[str], key: str, calls: int, model: str) -> list[Any]:
    """`calls` concurrent streamed completions through the OpenAI SDK, spread over `urls`;
    each result is the provider-reported usage of a call that succeeded, or the SDK's error."""
    clients = [
        openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120)
        for url in urls
    ]
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": PROMPT}]

    async def one(i: int) -> Any:
        try:
            stream = await clients[i % len(clients)].chat.completions.create(
                model=model,
                messages=messages,
                max_tokens=MAX_TOKENS,
                stream=True,
                stream_options={"include_usage": True},
            )
            usage = None
            async for chunk in stream:
                usage = chunk.usage or usage
            return usage
        except openai.APIStatusError as exc:
            return exc

    try:
        return await asyncio.gather(*(one(i) for i in range(calls)))
    finally:
        for client in clients:
            await client.close()
