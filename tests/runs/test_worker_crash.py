"""A worker killed with SIGKILL mid-run: the run is requeued, finishes on another worker from
its last checkpoint, and the thread holds the full message list exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.runs.sdk import SCRIPTED
from tests.support import (
    AtriumProcess,
    EmbeddedPostgres,
    api_key,
    atrium_env,
    free_port,
    premium,
    register,
)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "atrium.cli", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def events(client: httpx.Client, thread_id: str, run_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with client.stream(
        "GET",
        f"/threads/{thread_id}/runs/{run_id}/stream",
        headers={"Last-Event-ID": "0"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        event: dict[str, Any] = {}
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = {"event": line[7:]}
            elif line.startswith("id: "):
                event["id"] = int(line[4:])
                out.append(event)
    return out


@pytest.fixture
def cluster(tmp_path: Path) -> Any:
    port = free_port()
    env = atrium_env(
        ATRIUM_DATA_DIR=str(tmp_path / "data"),
        ATRIUM_PORT=str(port),
        ATRIUM_SCRIPTED_MODELS="true",
        ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS="0.25",
        ATRIUM_WORKERS_IN_PROCESS="false",
        ATRIUM_WORKER_HEARTBEAT_SECONDS="0.5",
        ATRIUM_WORKER_STALLED_SECONDS="2",
    )
    api = AtriumProcess(env=env, log_path=tmp_path / "api.log", port=port)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        api.start()
        yield api, workers, tmp_path
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        api.stop()
        # The killed worker stays attached in pgserver's eyes, so nobody else stops it.
        EmbeddedPostgres(tmp_path / "data").stop()


def test_run_survives_a_killed_worker(cluster: Any) -> None:
    api, workers, tmp_path = cluster
    owner = premium(register(api.url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    with httpx.Client(base_url=api.url, headers=headers, timeout=30) as client:
        assistant = client.post(
            "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/slow"}}
        ).json()
        thread = client.post("/threads", json={}).json()
        tid = thread["thread_id"]
        first = start_worker(api.env, tmp_path / "worker1.log")
        workers.append(first)
        run = client.post(
            f"/threads/{tid}/runs",
            json={
                "assistant_id": assistant["assistant_id"],
                "input": {"messages": [{"role": "user", "content": "hi"}]},
                "stream_mode": ["messages-tuple", "values"],
            },
        ).json()
        rid = run["run_id"]
        # wait until the first worker is streaming tokens, then kill it outright
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = client.get(f"/threads/{tid}/runs/{rid}").json()
            if state["status"] == "running":
                break
            time.sleep(0.1)
        time.sleep(1.2)  # a few tokens in (0.25 s each)
        assert client.get(f"/threads/{tid}/runs/{rid}").json()["status"] == "running"
        first.send_signal(signal.SIGKILL)
        first.wait(10)

        second = start_worker(api.env, tmp_path / "worker2.log")
        workers.append(second)
        result = client.get(f"/threads/{tid}/runs/{rid}/join", timeout=90).json()
        messages = result["messages"]
        assert [m["type"] for m in messages] == ["human", "ai"]
        assert messages[-1]["content"] == SCRIPTED
        finished = client.get(f"/threads/{tid}/runs/{rid}").json()
        assert finished["status"] == "success"
        state = client.get(f"/threads/{tid}/state").json()
        assert [m["type"] for m in state["values"]["messages"]] == ["human", "ai"]
        # the stream shows both attempts, each announced by its own metadata event
        seen = events(client, tid, rid)
        attempts = [e for e in seen if e["event"] == "metadata"]
        assert len(attempts) == 2
        assert [e["id"] for e in seen] == sorted({e["id"] for e in seen})
    assert "requeueing_stalled_run" in (tmp_path / "worker2.log").read_text()


def test_without_redis_a_separate_worker_still_streams_and_cancels(cluster: Any) -> None:
    """No Redis: the worker's process cannot hand events or cancels to the API's, so the
    API's sweep delivers them (within about a second), without loss or duplicates."""
    api, workers, tmp_path = cluster
    owner = premium(register(api.url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    workers.append(start_worker(api.env, tmp_path / "worker.log"))
    with httpx.Client(base_url=api.url, headers=headers, timeout=60) as client:
        aid = client.post(
            "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/slow"}}
        ).json()["assistant_id"]
        tid = client.post("/threads", json={}).json()["thread_id"]
        body = {
            "assistant_id": aid,
            "input": {"messages": [{"role": "user", "content": "hi"}]},
            "stream_mode": ["messages-tuple"],
        }
        names, ids, tokens = [], [], []
        with client.stream("POST", f"/threads/{tid}/runs/stream", json=body) as response:
            assert response.status_code == 200
            name = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                    names.append(name)
                elif line.startswith("id: "):
                    ids.append(int(line[4:]))
                elif line.startswith("data: ") and name == "messages":
                    tokens.append(json.loads(line[6:])[0]["content"])
        assert names[0] == "metadata" and names[-1] == "end"
        assert "".join(tokens) == SCRIPTED
        assert ids == list(range(1, len(ids) + 1))
        # a cancel asked of the API reaches the worker's process through the sweep
        run = client.post(f"/threads/{tid}/runs", json=body).json()
        rid = run["run_id"]
        deadline = time.monotonic() + 30
        while client.get(f"/threads/{tid}/runs/{rid}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        asked = time.monotonic()
        client.post(f"/threads/{tid}/runs/{rid}/cancel")
        while client.get(f"/threads/{tid}/runs/{rid}").json()["status"] == "running":
            assert time.monotonic() - asked < 3, "the cancel did not reach the worker"
            time.sleep(0.05)
        assert client.get(f"/threads/{tid}/runs/{rid}").json()["status"] == "interrupted"
