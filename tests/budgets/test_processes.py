"""Budgets across processes: two API replicas sharing Redis and PostgreSQL hold one ceiling
between them, and a reservation left by a SIGKILLed process is released once it expires."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import psycopg
import pytest

from tests.budgets.ledger import (
    MAX_TOKENS,
    MESSAGES,
    put_on_plan,
    recorded_tokens,
    reservation_tokens,
    stream_calls,
    tenant_period,
)
from tests.support import AtriumProcess, api_key, free_port, register

REDIS_URL = "redis://127.0.0.1:6379/13"
CALLS = 200
ALLOWED = 23
EXPIRY_SECONDS = 3


def _replica(slow_server: AtriumProcess, log: Path, **env: str) -> AtriumProcess:
    """Another API process on the slow server's database and settings."""
    port = free_port()
    return AtriumProcess(
        env={
            **slow_server.env,
            "ATRIUM_PORT": str(port),
            "ATRIUM_MIGRATE_ON_START": "false",
            **env,
        },
        log_path=log,
        port=port,
    )


@pytest.fixture(scope="module")
def replicas(
    slow_server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[AtriumProcess]]:
    logs = tmp_path_factory.mktemp("budget-replicas")
    started: list[AtriumProcess] = []
    try:
        for i in range(2):
            proc = _replica(slow_server, logs / f"replica{i}.log", ATRIUM_REDIS_URL=REDIS_URL)
            proc.start()
            started.append(proc)
        yield started
    finally:
        for proc in started:
            proc.stop()


def test_two_replicas_hold_one_ceiling(
    replicas: list[AtriumProcess], budget_db: psycopg.Connection[Any]
) -> None:
    owner = register(replicas[0].url)
    ceiling = ALLOWED * reservation_tokens()
    put_on_plan(budget_db, owner.tenant_id, tokens_per_month=ceiling)
    key = api_key(owner)

    results = asyncio.run(stream_calls([p.url for p in replicas], key, CALLS, "scripted/slow"))

    served = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, openai.RateLimitError)]
    assert len(served) == ALLOWED
    assert len(refused) == CALLS - ALLOWED
    reported = sum(u.total_tokens for u in served)
    spent, reserved, _, _ = tenant_period(budget_db, owner.tenant_id)
    assert reserved == 0
    assert spent == reported <= ceiling
    assert recorded_tokens(budget_db, owner.tenant_id, ALLOWED) == reported


def _call(url: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "scripted/fast", "messages": MESSAGES, "max_tokens": MAX_TOKENS},
        timeout=30,
    )


def test_reservation_of_a_killed_process_expires(
    slow_server: AtriumProcess,
    budget_db: psycopg.Connection[Any],
    tmp_path: Path,
) -> None:
    doomed = _replica(
        slow_server, tmp_path / "doomed.log", ATRIUM_BUDGET_RESERVATION_SECONDS=str(EXPIRY_SECONDS)
    )
    owner = register(slow_server.url)
    put_on_plan(budget_db, owner.tenant_id, tokens_per_month=reservation_tokens())
    key = api_key(owner)
    doomed.start()
    try:
        with (
            httpx.Client(base_url=doomed.url, timeout=30) as client,
            client.stream(
                "POST",
                "/v1/chat/completions",
                headers={"Authorization": f"Bearer {key}"},
                json={
                    "model": "scripted/slow",
                    "messages": MESSAGES,
                    "max_tokens": MAX_TOKENS,
                    "stream": True,
                },
            ) as response,
        ):
            assert response.status_code == 200
            next(response.iter_lines())  # the call is under way: its reservation is held
            assert doomed.proc is not None
            doomed.proc.send_signal(signal.SIGKILL)
            doomed.proc.wait(10)
    except httpx.HTTPError:
        pass  # the connection died with the process, as it should
    finally:
        doomed.stop()
    killed_at = time.monotonic()
    assert tenant_period(budget_db, owner.tenant_id)[1] == reservation_tokens()

    # Held: the budget allows one call, and the dead process's call still holds it.
    held = _call(slow_server.url, key)
    assert held.status_code == 429
    assert held.json()["error"]["code"] == "budget_exceeded"

    time.sleep(max(0.0, EXPIRY_SECONDS + 0.5 - (time.monotonic() - killed_at)))
    released = _call(slow_server.url, key)
    assert released.status_code == 200, released.text
    spent, reserved, _, _ = tenant_period(budget_db, owner.tenant_id)
    assert reserved == 0
    assert spent == released.json()["usage"]["total_tokens"]
