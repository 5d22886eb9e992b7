"""Two API processes sharing Redis: one tenant's requests per minute are one allowance,
whichever process a request reaches (gateway and runs API alike)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.quotas.conftest import PlanMaker
from tests.support import AtriumProcess, api_key, free_port, register

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def replicas(
    server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[AtriumProcess]]:
    logs = tmp_path_factory.mktemp("limit-replicas")
    started = []
    try:
        for i in range(2):
            port = free_port()
            env = {
                **server.env,
                "ATRIUM_PORT": str(port),
                "ATRIUM_REDIS_URL": REDIS_URL,
                "ATRIUM_MIGRATE_ON_START": "false",
                "ATRIUM_WORKERS_IN_PROCESS": "false",
            }
            proc = AtriumProcess(env=env, log_path=Path(logs) / f"replica{i}.log", port=port)
            proc.start()
            started.append(proc)
        yield started
    finally:
        for proc in started:
            proc.stop()


def test_one_tenants_allowance_is_shared_by_every_process(
    replicas: list[AtriumProcess], on_plan: PlanMaker
) -> None:
    one, two = replicas
    owner = register(one.url)
    on_plan(owner, requests_per_minute=6)
    headers = {"Authorization": f"Bearer {api_key(owner, role='admin')}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        answers = [client.get(f"{replicas[i % 2].url}/v1/models") for i in range(6)]
        assert [r.status_code for r in answers] == [200] * 6
        # one window: each process saw what the other spent
        remaining = [int(r.headers["x-ratelimit-remaining-requests"]) for r in answers]
        assert remaining == [5, 4, 3, 2, 1, 0]
        for target in (one, two):
            refused = client.get(f"{target.url}/v1/models")
            assert refused.status_code == 429, refused.text
            assert "6 requests per minute" in refused.json()["error"]["message"]
            assert int(refused.headers["retry-after"]) >= 1
            run = client.post(
                f"{target.url}/runs/wait",
                json={"assistant_id": "agent", "input": {"messages": []}},
            )
            assert run.status_code == 429, run.text
            assert run.json()["error"]["code"] == "rate_limited"
    # another tenant's allowance is untouched
    other = register(two.url)
    with httpx.Client(headers={"x-api-key": api_key(other)}, timeout=30) as client:
        assert client.get(f"{one.url}/v1/models").status_code == 200
