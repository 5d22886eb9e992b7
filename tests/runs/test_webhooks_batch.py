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
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.support import Api, api_key, free_port, premium, register


class Receiver:
    """A webhook endpoint that keeps each delivery with its signature headers."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.raw: list[tuple[bytes, dict[str, str]]] = []
        received, raw = self.calls, self.raw

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                raw.append((body, dict(self.headers.items())))
                received.append(json.loads(body))
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
    # Signed as Standard Webhooks specifies, with the secret the tenant admin can read
    secret = owner.api.get("/tenants/current/webhook-secret").json()["secret"]
    delivered, sent = receiver.raw[0]
    assert Webhook(secret).verify(delivered, sent)["run_id"] == calls[0]["run_id"]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(delivered.replace(b"success", b"error!!"), sent)
    other = premium(register(base_url))
    other_secret = other.api.get("/tenants/current/webhook-secret").json()["secret"]
    assert other_secret != secret
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(delivered, sent)
    member = Api(base_url, api_key(owner, role="member"), header="x-api-key")
    assert member.get("/tenants/current/webhook-secret").status_code == 403
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
                "on_completion": "keep",
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


def test_background_stateless_run_deletes_its_thread(base_url: str) -> None:
    owner = premium(register(base_url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        aid = client.post(
            "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
        ).json()["assistant_id"]
        message = {"messages": [{"role": "user", "content": "hello"}]}
        kept = client.post(
            "/runs", json={"assistant_id": aid, "input": message, "on_completion": "keep"}
        ).json()
        gone = client.post("/runs", json={"assistant_id": aid, "input": message}).json()
        assert "_delete_thread" not in gone["kwargs"]
        joined = client.get(f"/threads/{kept['thread_id']}/runs/{kept['run_id']}/join")
        assert joined.json()["messages"][-1]["type"] == "ai"
        deadline = time.monotonic() + 20
        while client.get(f"/threads/{gone['thread_id']}").status_code != 404:
            assert time.monotonic() < deadline, "the temporary thread outlived its run"
            time.sleep(0.1)
        assert client.get(f"/threads/{kept['thread_id']}").status_code == 200
        state = client.get(f"/threads/{gone['thread_id']}/state")
        assert state.status_code == 404
