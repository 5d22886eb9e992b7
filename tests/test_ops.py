"""Health, readiness, Prometheus metrics and structured logs (with no secrets in them)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.support import AtriumProcess, register


def log_lines(server: AtriumProcess) -> list[dict[str, Any]]:
    out = []
    for line in server.log().splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def test_health_and_readiness(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


def test_metrics_by_route_template_and_status(base_url: str) -> None:
    acct = register(base_url)
    acct.api.get("/tenants/current")
    acct.api.delete("/api-keys/00000000-0000-0000-0000-000000000000")
    text = httpx.get(f"{base_url}/metrics").text
    assert 'atrium_http_requests_total{method="GET",route="/tenants/current",status="200"}' in text
    assert (
        'atrium_http_requests_total{method="DELETE",route="/api-keys/{key_id}",status="404"}'
        in text
    )
    assert "atrium_http_request_duration_seconds_bucket" in text
    assert "00000000-0000-0000-0000-000000000000" not in text


def test_logs_are_json_with_context_and_no_secrets(base_url: str, server: AtriumProcess) -> None:
    password = "canary password 9f3c"
    acct = register(base_url, password=password)
    key = acct.api.post("/api-keys", json={"name": "canary"}).json()["key"]
    httpx.get(
        f"{base_url}/tenants/current", headers={"x-api-key": key, "x-request-id": "req-canary-1"}
    )
    httpx.post(
        f"{base_url}/auth/login", json={"email": acct.email, "password": "wrong " + password}
    )
    r = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": acct.tokens["refresh_token"]})
    assert r.headers["x-request-id"]
    time.sleep(0.3)
    raw = server.log()
    for secret in (
        password,
        key,
        acct.tokens["refresh_token"],
        acct.tokens["access_token"],
        r.json()["refresh_token"],
        r.json()["access_token"],
    ):
        assert secret not in raw
    lines = log_lines(server)
    tagged = [line for line in lines if line.get("request_id") == "req-canary-1"]
    assert tagged, "request id from the client is carried into the log"
    access = next(line for line in tagged if line.get("event") == "request")
    assert access["tenant_id"] == acct.tenant_id
    assert access["route"] == "/tenants/current"
    assert access["status"] == 200
    assert {"timestamp", "level"} <= set(access)
