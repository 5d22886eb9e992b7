"""Webhooks are delivered through the outbound-address guard; batches of stateless runs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support import Api, api_key, free_port, premium, register


class Receiver:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        received = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.calls


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_webhook_delivery_and_guard(base_url: str, receiver: Receiver, platform_admin: Api) -> None:
    owner = premium(register(base_url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        aid = client.post(
            "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
        ).json()
        body = {
            "assistant_id": aid["assistant_id"],
            "webhook": receiver.url,
            "input": {"messages": [{"role": "user", "content": "hi"}]},
        }
        # loopback is refused by the guard for an ordinary tenant
        assert client.post("/runs/wait", json=body).status_code == 200
        time.sleep(1.0)
        assert receiver.calls == []
        # once a platform admin allows private addresses, the hook is delivered
        platform_admin.patch(
            f"/admin/tenants/{owner.tenant_id}", json={"allow_private_provider_urls": True}
        )
        thread = client.post("/threads", json={}).json()
        client.post(f"/threads/{thread['thread_id']}/runs/wait", json=body)
    calls = receiver.wait(1)
    assert len(calls) == 1
    assert calls[0]["status"] == "success" and calls[0]["thread_id"] == thread["thread_id"]
    assert calls[0]["values"]["messages"][-1]["type"] == "ai"


def test_batch_of_stateless_runs(base_url: str) -> None:
    owner = premium(register(base_url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        aid = client.post(
            "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
        ).json()
        payload = [
            {
                "assistant_id": aid["assistant_id"],
                "input": {"messages": [{"role": "user", "content": f"n{i}"}]},
            }
            for i in range(3)
        ]
        runs = client.post("/runs/batch", json=payload).json()
        assert len(runs) == 3 and len({r["thread_id"] for r in runs}) == 3
        for run in runs:
            joined = client.get(f"/threads/{run['thread_id']}/runs/{run['run_id']}/join").json()
            assert joined["messages"][-1]["type"] == "ai"
        bad = client.post("/runs/batch", json=[{"input": {}}])
        assert bad.status_code == 422
