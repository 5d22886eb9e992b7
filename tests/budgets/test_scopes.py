"""Ceilings narrowed per API key and per member (the `limits` overrides of migration 0004):
each holds on its own, under a plan that has no budget."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from tests.budgets.ledger import MAX_TOKENS, MESSAGES, put_on_plan, reservation_tokens
from tests.support import api_key, register


def _call(base_url: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "scripted/fast", "messages": MESSAGES, "max_tokens": MAX_TOKENS},
        timeout=30,
    )


def test_key_and_member_ceilings(base_url: str, db: psycopg.Connection[Any]) -> None:
    owner = register(base_url)
    put_on_plan(db, owner.tenant_id)  # no monthly budget on the plan
    narrowed, free = api_key(owner), api_key(owner)
    room_for_one = f'{{"tokens_per_month": {reservation_tokens() + 10}}}'
    db.execute(
        "UPDATE api_keys SET limits = %s::jsonb WHERE tenant_id = %s "
        "AND id = (SELECT id FROM api_keys WHERE tenant_id = %s ORDER BY created_at LIMIT 1)",
        (room_for_one, owner.tenant_id, owner.tenant_id),
    )
    assert _call(base_url, narrowed).status_code == 200
    refused = _call(base_url, narrowed)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "budget_exceeded"
    assert "this API key's monthly token budget" in refused.json()["error"]["message"]
    assert refused.headers["x-should-retry"] == "false"
    for _ in range(3):
        assert _call(base_url, free).status_code == 200

    # The member's own ceiling covers every key they hold.
    member_budget = f'{{"tokens_per_month": {reservation_tokens() * 5}}}'
    db.execute(
        "UPDATE memberships SET limits = %s::jsonb WHERE tenant_id = %s AND user_id = %s",
        (member_budget, owner.tenant_id, owner.user_id),
    )
    third = api_key(owner)
    served = 0
    for _ in range(20):
        r = _call(base_url, third)
        if r.status_code != 200:
            assert r.status_code == 429
            assert "your membership's monthly token budget" in r.json()["error"]["message"]
            break
        served += 1
    assert 0 < served < 20


def test_embeddings_reserve_before_the_provider(base_url: str, db: psycopg.Connection[Any]) -> None:
    owner = register(base_url)
    plan = put_on_plan(db, owner.tenant_id, tokens_per_month=100)
    key = api_key(owner)

    def embed(text: str) -> httpx.Response:
        return httpx.post(
            f"{base_url}/v1/embeddings",
            headers={"Authorization": f"Bearer {key}"},
            json={"model": "scripted/fast", "input": [text]},
            timeout=30,
        )

    assert embed("short").status_code == 200
    refused = embed("x" * 200)  # its bound (one token a byte) is over the whole budget
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "budget_exceeded"
    metrics = httpx.get(f"{base_url}/metrics").text
    assert (
        f'atrium_budget_refusals_total{{ceiling="tokens",plan="{plan}",scope="tenant"}} 1.0'
        in metrics
    )
