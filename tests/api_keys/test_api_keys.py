"""API keys: shown once, stored hashed, accepted in both headers, dead once revoked."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import psycopg

from tests.support import Api, register


def test_key_shown_once_stored_hashed(base_url: str, db: psycopg.Connection[Any]) -> None:
    acct = register(base_url)
    r = acct.api.post("/api-keys", json={"name": "ci"})
    assert r.status_code == 201
    created = r.json()
    secret = created["key"]
    assert secret.startswith("atr_")
    assert created["prefix"].startswith("atr_") and secret.endswith(created["prefix"][-6:])
    listed = acct.api.get("/api-keys").json()
    assert [k["id"] for k in listed["items"]] == [created["id"]]
    assert "key" not in listed["items"][0]
    assert secret not in acct.api.get("/api-keys").text
    stored = db.execute("SELECT key_hash FROM api_keys WHERE id = %s", (created["id"],)).fetchone()
    assert stored is not None
    assert bytes(stored[0]) == hashlib.sha256(secret.encode()).digest()
    dump = db.execute(
        "SELECT row_to_json(k)::text FROM api_keys k WHERE id = %s", (created["id"],)
    ).fetchone()
    assert dump is not None and secret not in dump[0]


def test_key_works_in_both_headers_and_stops_once_revoked(base_url: str) -> None:
    acct = register(base_url)
    created = acct.api.post("/api-keys", json={"name": "bot"}).json()
    bearer = Api(base_url, created["key"])
    header = Api(base_url, created["key"], header="x-api-key")
    for client in (bearer, header):
        r = client.get("/tenants/current")
        assert r.status_code == 200
        assert r.json()["id"] == acct.tenant_id
    me = header.get("/auth/me").json()
    assert me["via_api_key"] is True and me["role"] == "member"

    assert acct.api.delete(f"/api-keys/{created['id']}").status_code == 204
    for client in (bearer, header):
        r = client.get("/tenants/current")
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"
    assert acct.api.delete(f"/api-keys/{created['id']}").status_code == 404


def test_key_creation_and_revocation_are_audited(
    base_url: str, db: psycopg.Connection[Any]
) -> None:
    acct = register(base_url)
    created = acct.api.post("/api-keys", json={"name": "audited"}).json()
    acct.api.delete(f"/api-keys/{created['id']}")
    actions = [
        r[0]
        for r in db.execute(
            "SELECT action FROM audit_log WHERE tenant_id = %s AND target_id = %s ORDER BY id",
            (acct.tenant_id, created["id"]),
        ).fetchall()
    ]
    assert actions == ["api_key.created", "api_key.revoked"]


def test_member_key_cannot_do_admin_work(base_url: str) -> None:
    acct = register(base_url)
    member_key = acct.api.post("/api-keys", json={"name": "m", "role": "member"}).json()["key"]
    api = Api(base_url, member_key)
    r = api.post("/tenants/current/members", json={"email": "x@example.com"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    # keys cannot mint keys or act as a user
    assert api.post("/api-keys", json={"name": "child"}).status_code == 403
    assert api.get("/users/me").status_code == 403


def test_garbage_and_forged_keys_are_refused(base_url: str) -> None:
    a = register(base_url)
    b = register(base_url)
    key = a.api.post("/api-keys", json={"name": "k"}).json()["key"]
    forged = "atr_" + b.tenant_id.replace("-", "") + key[4 + 32 :]
    for bad in (
        forged,
        "atr_short",
        "atr_" + "z" * 80,
        key[:-1] + ("A" if key[-1] != "A" else "B"),
    ):
        r = httpx.get(f"{base_url}/tenants/current", headers={"x-api-key": bad})
        assert r.status_code == 401, bad


def test_expiring_key(base_url: str, db: psycopg.Connection[Any]) -> None:
    acct = register(base_url)
    created = acct.api.post("/api-keys", json={"name": "temp", "expires_in_days": 1}).json()
    assert created["expires_at"] is not None
    api = Api(base_url, created["key"])
    assert api.get("/tenants/current").status_code == 200
    db.execute(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
        (created["id"],),
    )
    assert api.get("/tenants/current").status_code == 401
