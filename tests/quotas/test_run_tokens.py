"""The tokens a run's model calls use count against the same per-minute windows as the
gateway's, and a run on a plan without BYOK never uses the tenant's stored keys. Live
server: its worker executes the runs, so its limiter is the one that counts."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.quotas.conftest import PlanMaker
from tests.support import api_key, register

WORDS = "tell me something long " * 20


def test_a_runs_tokens_count_against_tokens_per_minute(base_url: str, on_plan: PlanMaker) -> None:
    owner = register(base_url)
    on_plan(owner, tokens_per_minute=50)
    key = api_key(owner, role="admin")
    api = httpx.Client(base_url=base_url, headers={"x-api-key": key}, timeout=30)
    try:
        made = api.post(
            "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
        )
        assert made.status_code == 200, made.text
        run = {
            "assistant_id": made.json()["assistant_id"],
            "input": {"messages": [{"role": "user", "content": WORDS}]},
        }
        # Nothing spent yet: the run is admitted, and its model call spends the minute.
        done = api.post("/runs/wait", json=run)
        assert done.status_code == 200, done.text
        # Listing models spends no tokens: only the run's can close the window.
        deadline = time.monotonic() + 10
        refused: httpx.Response | None = None
        while time.monotonic() < deadline:
            r = api.get("/v1/models")
            if r.status_code == 429:
                refused = r
                break
            assert r.status_code == 200, r.text
            time.sleep(0.2)
        assert refused is not None, "the run's tokens were never counted"
        error: dict[str, Any] = refused.json()["error"]
        assert "50 tokens per minute" in error["message"], error
    finally:
        api.close()
