"""An assistant addressed as a model reports what its run used, streamed or not."""

from __future__ import annotations

import httpx

from tests.support import api_key, premium, register


def test_non_streamed_answer_reports_the_runs_usage(base_url: str) -> None:
    account = premium(register(base_url))
    created = account.api.post(
        "/assistants",
        json={"graph_id": "agent", "name": "Counted", "context": {"model": "scripted/fast"}},
    )
    assert created.status_code == 200, created.text
    with httpx.Client(
        base_url=f"{base_url}/v1",
        headers={"Authorization": f"Bearer {api_key(account)}"},
        timeout=60,
    ) as gateway:
        r = gateway.post(
            "/chat/completions",
            json={
                "model": f"assistant:{created.json()['assistant_id']}",
                "messages": [{"role": "user", "content": "hello"}],
            },
        )
    assert r.status_code == 200, r.text
    usage = r.json()["usage"]
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
