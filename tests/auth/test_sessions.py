"""Registration, sign-in, refresh-token rotation and reuse detection, tenant switching,
sign-in throttling — through real HTTP against a live server."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from tests.support import Api, register, unique_email


def test_register_creates_owner_of_own_tenant_on_basic(base_url: str) -> None:
    acct = register(base_url, full_name="Ada Lovelace")
    me = acct.api.get("/auth/me").json()
    assert me["role"] == "owner"
    assert me["user"]["email"] == acct.email
    assert me["user"]["email_verified"] is False
    assert me["tenant"]["plan_id"] == "basic"
    assert me["tenant"]["name"] == "Ada Lovelace's workspace"
    assert [t["tenant"]["id"] for t in me["tenants"]] == [acct.tenant_id]


def test_register_twice_conflicts_and_writes_nothing(
    base_url: str, db: psycopg.Connection[Any]
) -> None:
    acct = register(base_url)
    before = db.execute("SELECT count(*) FROM users").fetchone()
    r = httpx.post(
        f"{base_url}/auth/register",
        json={"email": acct.email.upper(), "password": "another password", "full_name": "X"},
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert db.execute("SELECT count(*) FROM users").fetchone() == before


def test_password_is_stored_as_argon2id(base_url: str, db: psycopg.Connection[Any]) -> None:
    acct = register(base_url)
    row = db.execute("SELECT password_hash FROM users WHERE id = %s", (acct.user_id,)).fetchone()
    assert row is not None and row[0].startswith("$argon2id$")
    assert acct.password not in row[0]


def test_login_and_wrong_password(base_url: str) -> None:
    acct = register(base_url)
    ok = httpx.post(f"{base_url}/auth/login", json={"email": acct.email, "password": acct.password})
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "bearer" and body["tenant_id"] == acct.tenant_id
    assert body["expires_in"] == 900
    bad = httpx.post(f"{base_url}/auth/login", json={"email": acct.email, "password": "wrong pass"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unauthorized"
    unknown = httpx.post(
        f"{base_url}/auth/login", json={"email": unique_email(), "password": "whatever1"}
    )
    assert unknown.status_code == 401
    assert unknown.json() == bad.json()


def test_access_token_is_required_and_checked(base_url: str) -> None:
    assert httpx.get(f"{base_url}/auth/me").status_code == 401
    r = httpx.get(f"{base_url}/auth/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    acct = register(base_url)
    forged = acct.tokens["access_token"][:-4] + "AAAA"
    assert (
        httpx.get(f"{base_url}/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    basic = httpx.get(f"{base_url}/auth/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(base_url: str) -> None:
    acct = register(base_url)
    first = acct.tokens["refresh_token"]
    r1 = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": first})
    assert r1.status_code == 200
    second = r1.json()["refresh_token"]
    assert second != first
    r2 = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": second})
    assert r2.status_code == 200
    third = r2.json()["refresh_token"]
    assert Api(base_url, r2.json()["access_token"]).get("/auth/me").status_code == 200

    # An attacker replays the first token: refused, and the whole family dies with it.
    replay = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": first})
    assert replay.status_code == 401
    assert "revoked" in replay.json()["error"]["message"]
    victim = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": third})
    assert victim.status_code == 401

    # Another session of the same user (a separate family) is unaffected.
    other = httpx.post(
        f"{base_url}/auth/login", json={"email": acct.email, "password": acct.password}
    )
    again = httpx.post(
        f"{base_url}/auth/refresh", json={"refresh_token": other.json()["refresh_token"]}
    )
    assert again.status_code == 200


def test_refresh_token_with_forged_tenant_part_is_refused(base_url: str) -> None:
    a = register(base_url)
    b = register(base_url)
    token = a.tokens["refresh_token"]
    forged = "rt_" + b.tenant_id.replace("-", "") + token[3 + 32 :]
    r = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": forged})
    assert r.status_code == 401
    # the genuine token still works: nothing was revoked by the forgery
    assert httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": token}).status_code == 200


def test_logout_ends_the_session(base_url: str) -> None:
    acct = register(base_url)
    token = acct.tokens["refresh_token"]
    assert httpx.post(f"{base_url}/auth/logout", json={"refresh_token": token}).status_code == 204
    assert httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_switch_tenant_and_create_tenant(base_url: str) -> None:
    acct = register(base_url)
    created = acct.api.post("/tenants", json={"name": "Second"})
    assert created.status_code == 201
    second_id = created.json()["id"]
    listed = acct.api.get("/tenants").json()
    assert {t["tenant"]["id"] for t in listed} == {acct.tenant_id, second_id}
    r = acct.api.post("/auth/switch-tenant", json={"tenant_id": second_id})
    assert r.status_code == 200
    assert r.json()["tenant_id"] == second_id
    switched = Api(base_url, r.json()["access_token"])
    assert switched.get("/tenants/current").json()["name"] == "Second"
    # login straight into a chosen tenant
    login = httpx.post(
        f"{base_url}/auth/login",
        json={"email": acct.email, "password": acct.password, "tenant_id": second_id},
    )
    assert login.json()["tenant_id"] == second_id


def test_switch_to_foreign_tenant_is_not_found(base_url: str) -> None:
    a = register(base_url)
    b = register(base_url)
    r = a.api.post("/auth/switch-tenant", json={"tenant_id": b.tenant_id})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    login = httpx.post(
        f"{base_url}/auth/login",
        json={"email": a.email, "password": a.password, "tenant_id": b.tenant_id},
    )
    assert login.status_code == 404


def test_login_throttled_per_account(base_url: str) -> None:
    acct = register(base_url)
    for i in range(5):
        r = httpx.post(
            f"{base_url}/auth/login",
            json={"email": acct.email, "password": "wrong pass"},
            headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
        )
        assert r.status_code == 401
    # From yet another address, even the right password is held back for this account.
    blocked = httpx.post(
        f"{base_url}/auth/login",
        json={"email": acct.email, "password": acct.password},
        headers={"X-Forwarded-For": "198.51.100.99"},
    )
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) >= 1
    # Other accounts are not affected.
    other = register(base_url)
    ok = httpx.post(
        f"{base_url}/auth/login",
        json={"email": other.email, "password": other.password},
        headers={"X-Forwarded-For": "198.51.100.99"},
    )
    assert ok.status_code == 200


def test_login_throttled_per_ip(base_url: str) -> None:
    ip = "203.0.113.7"
    for _ in range(20):
        r = httpx.post(
            f"{base_url}/auth/login",
            json={"email": unique_email(), "password": "guess guess"},
            headers={"X-Forwarded-For": ip},
        )
        assert r.status_code == 401
    acct = register(base_url)
    blocked = httpx.post(
        f"{base_url}/auth/login",
        json={"email": acct.email, "password": acct.password},
        headers={"X-Forwarded-For": ip},
    )
    assert blocked.status_code == 429
    elsewhere = httpx.post(
        f"{base_url}/auth/login",
        json={"email": acct.email, "password": acct.password},
        headers={"X-Forwarded-For": "203.0.113.8"},
    )
    assert elsewhere.status_code == 200


def test_sign_in_is_audited(base_url: str, db: psycopg.Connection[Any]) -> None:
    acct = register(base_url)
    httpx.post(
        f"{base_url}/auth/login",
        json={"email": acct.email, "password": acct.password},
        headers={"X-Forwarded-For": "192.0.2.10", "User-Agent": "audit-test/1.0"},
    )
    rows = db.execute(
        "SELECT actor_user_id::text, ip, user_agent, details->>'method' FROM audit_log "
        "WHERE tenant_id = %s AND action = 'auth.signed_in'",
        (acct.tenant_id,),
    ).fetchall()
    assert (acct.user_id, "192.0.2.10", "audit-test/1.0", "password") in rows
    log = acct.api.get("/tenants/current/audit-log", params={"action": "auth.signed_in"})
    assert log.status_code == 200
    assert log.json()["items"][0]["ip"] == "192.0.2.10"
