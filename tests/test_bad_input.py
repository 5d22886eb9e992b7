"""Bad input gets a clear 4xx in the error shape, and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest

from tests.support import register, unique_email


def counts(db: psycopg.Connection[Any]) -> tuple[Any, ...]:
    row = db.execute(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM tenants), "
        "(SELECT count(*) FROM api_keys), (SELECT count(*) FROM invitations), "
        "(SELECT count(*) FROM audit_log)"
    ).fetchone()
    assert row is not None
    return tuple(row)


def assert_error(r: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": "long enough", "full_name": "X"}, "body.email"),
        ({"email": "a@example.com", "password": 12345678, "full_name": "X"}, "body.password"),
        ({"email": "a@example.com", "password": "short", "full_name": "X"}, "body.password"),
        ({"email": "a@example.com", "password": "x" * 129, "full_name": "X"}, "body.password"),
        (
            {"email": "a@example.com", "password": "long enough", "full_name": "X" * 201},
            "body.full_name",
        ),
        ({"email": "a@example.com", "password": "long enough", "full_name": ""}, "body.full_name"),
        (
            {
                "email": "a@example.com",
                "password": "long enough",
                "full_name": "X",
                "role": "owner",
            },
            "body.role",
        ),
        (
            {"email": "a" * 300 + "@example.com", "password": "long enough", "full_name": "X"},
            "body.email",
        ),
        ({"password": "long enough", "full_name": "X"}, "body.email"),
        ({"email": ["a@example.com"], "password": "long enough", "full_name": "X"}, "body.email"),
    ],
)
def test_register_rejects_bad_fields(
    base_url: str, db: psycopg.Connection[Any], payload: dict[str, Any], field: str
) -> None:
    before = counts(db)
    r = httpx.post(f"{base_url}/auth/register", json=payload)
    assert_error(r, 422, "validation_error", field)
    assert "long enough" not in r.text  # rejected input is never echoed
    assert counts(db) == before


@pytest.mark.parametrize(
    "raw",
    [b"{bad json", b"", b"[1, 2]", b"null", b'{"email": "a@b.co", '],
)
def test_malformed_bodies(base_url: str, db: psycopg.Connection[Any], raw: bytes) -> None:
    before = counts(db)
    r = httpx.post(
        f"{base_url}/auth/register", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"]["code"] in ("invalid_json", "validation_error")
    assert counts(db) == before


def test_authenticated_endpoints_reject_bad_input(
    base_url: str, db: psycopg.Connection[Any]
) -> None:
    acct = register(base_url)
    before = counts(db)
    assert_error(
        acct.api.post("/api-keys", json={"name": ""}), 422, "validation_error", "body.name"
    )
    assert_error(
        acct.api.post("/api-keys", json={"name": "k", "role": "owner"}),
        422,
        "validation_error",
        "body.role",
    )
    assert_error(
        acct.api.post("/api-keys", json={"name": "k", "expires_in_days": 0}),
        422,
        "validation_error",
        "body.expires_in_days",
    )
    assert_error(
        acct.api.post("/api-keys", json={"name": "k", "scopes": ["x"]}),
        422,
        "validation_error",
        "body.scopes",
    )
    assert_error(
        acct.api.post("/tenants/current/members", json={"email": "nope"}),
        422,
        "validation_error",
        "body.email",
    )
    assert_error(
        acct.api.post("/tenants/current/members", json={"email": unique_email(), "role": "god"}),
        422,
        "validation_error",
        "body.role",
    )
    assert_error(
        acct.api.patch("/users/me", json={"avatar_url": "javascript:alert(1)"}),
        422,
        "validation_error",
        "body.avatar_url",
    )
    assert_error(
        acct.api.patch("/users/me", json={"preferences": {"k": "v" * 20000}}),
        422,
        "validation_error",
        "body.preferences",
    )
    assert_error(
        acct.api.patch("/users/me", json={"email": "x@example.com"}),
        422,
        "validation_error",
        "body.email",
    )
    assert_error(acct.api.delete("/api-keys/not-a-uuid"), 422, "validation_error", "path.key_id")
    assert_error(
        acct.api.get("/tenants/current/members", params={"limit": 0}),
        422,
        "validation_error",
        "query.limit",
    )
    assert_error(
        acct.api.get("/tenants/current/members", params={"limit": "many"}),
        422,
        "validation_error",
        "query.limit",
    )
    assert_error(
        acct.api.post("/auth/switch-tenant", json={"tenant_id": "x"}),
        422,
        "validation_error",
        "body.tenant_id",
    )
    assert counts(db) == before


def test_profile_update_round_trip(base_url: str) -> None:
    acct = register(base_url)
    r = acct.api.patch(
        "/users/me",
        json={
            "full_name": "Renamed",
            "avatar_url": "https://example.com/a.png",
            "preferences": {"theme": "dark", "language": "fr"},
        },
    )
    assert r.status_code == 200
    body = acct.api.get("/users/me").json()
    assert body["full_name"] == "Renamed"
    assert body["avatar_url"] == "https://example.com/a.png"
    assert body["preferences"] == {"theme": "dark", "language": "fr"}


def test_unknown_route_and_method(base_url: str) -> None:
    assert_error(httpx.get(f"{base_url}/no/such/thing"), 404, "not_found")
    assert_error(httpx.put(f"{base_url}/auth/login", json={}), 405, "method_not_allowed")


def test_bad_tokens_in_email_flows(base_url: str) -> None:
    for path, body in (
        ("/auth/verify-email", {"token": "evt_nope"}),
        ("/auth/reset-password", {"token": "pwr_nope", "password": "long enough"}),
        ("/auth/refresh", {"refresh_token": "rt_nope"}),
    ):
        r = httpx.post(f"{base_url}{path}", json=body)
        assert r.status_code in (400, 401), (path, r.text)
        assert r.json()["error"]["code"] in ("invalid_token", "unauthorized")
    assert_error(
        httpx.post(f"{base_url}/auth/verify-email", json={"token": "x" * 600}),
        422,
        "validation_error",
        "body.token",
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # PostgreSQL's OFFSET is a bigint: a larger one answered 500 from the database.
        ("/assistants/search", {"offset": 2**63}, "body.offset"),
        ("/threads/search", {"offset": 2**63}, "body.offset"),
        ("/assistants", {"config": {"tags": ["a\x00b"]}}, "body.config.tags"),
    ],
)
def test_search_bounds_and_nested_config_text(
    base_url: str, path: str, body: dict[str, Any], field: str
) -> None:
    owner = register(base_url)
    r = owner.api.post(path, json=body)
    assert_error(r, 422, "validation_error", field)
