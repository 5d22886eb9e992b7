"""Usage records are batched off the request path, and a graceful stop writes every one."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import openai
import psycopg

from tests.support import AtriumProcess, api_key, free_port, premium, register


def test_graceful_stop_loses_no_usage(
    server: AtriumProcess, db: psycopg.Connection[Any], tmp_path: Path
) -> None:
    port = free_port()
    # A second API process on the same database whose batches would not flush for a minute.
    replica = AtriumProcess(
        env={
            **server.env,
            "ATRIUM_PORT": str(port),
            "ATRIUM_MIGRATE_ON_START": "false",
            "ATRIUM_USAGE_FLUSH_SECONDS": "60",
        },
        log_path=tmp_path / "replica.log",
        port=port,
    )
    replica.start()
    try:
        owner = premium(register(replica.url))
        with openai.OpenAI(
            base_url=f"{replica.url}/v1", api_key=api_key(owner), max_retries=0
        ) as client:
            for i in range(25):
                if i % 2:
                    list(
                        client.chat.completions.create(
                            model="scripted/fast",
                            stream=True,
                            messages=[{"role": "user", "content": f"n{i}"}],
                        )
                    )
                else:
                    client.chat.completions.create(
                        model="scripted/fast", messages=[{"role": "user", "content": f"n{i}"}]
                    )
        before = db.execute(
            "SELECT count(*) FROM usage_records WHERE tenant_id = %s", (owner.tenant_id,)
        ).fetchone()
        assert before == (0,), "nothing is written on the request path"
    finally:
        assert replica.proc is not None
        replica.proc.send_signal(signal.SIGTERM)
        replica.proc.wait(30)
        replica.stop()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert replica.proc.returncode in (0, -signal.SIGTERM)
    assert '"event": "stopped"' in replica.log()
    after = db.execute(
        "SELECT count(*), sum(output_tokens) FROM usage_records WHERE tenant_id = %s",
        (owner.tenant_id,),
    ).fetchone()
    assert after is not None
    assert after[0] == 25
    assert after[1] > 0


def test_recorder_batches_rows_of_many_tenants(base_url: str, db: psycopg.Connection[Any]) -> None:
    tenants = [premium(register(base_url)) for _ in range(3)]
    for account in tenants:
        with openai.OpenAI(
            base_url=f"{base_url}/v1", api_key=api_key(account), max_retries=0
        ) as client:
            client.chat.completions.create(
                model="scripted/fast", messages=[{"role": "user", "content": "x"}]
            )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        counts = [
            db.execute(
                "SELECT count(*) FROM usage_records WHERE tenant_id = %s", (a.tenant_id,)
            ).fetchone()
            for a in tenants
        ]
        if all(c == (1,) for c in counts):
            break
        time.sleep(0.1)
    assert all(c == (1,) for c in counts)
