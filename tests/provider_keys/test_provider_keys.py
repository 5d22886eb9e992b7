"""Tenants' own provider keys (BYOK): stored sealed, never returned, owners' and admins' only."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error

SECRET = "sk-tenant-canary-0123456789abcdef"


# Storing provider keys (BYOK) is a Gold feature: this module's tenants are on Gold.
@pytest.fixture
async def owner(accounts: Accounts) -> Principal:
    return await accounts.gold(await accounts.tenant())


@pytest.fixture(scope="module")
async def team(accounts: Accounts) -> Team:
    made = await accounts.team()
    await accounts.gold(made.owner)
    return made


async def store(who: Principal, **body: Any) -> dict[str, Any]:
    r = await who.http.post(
        "/provider-keys", json={"provider": "openai", "api_key": SECRET, **body}
    )
    assert r.status_code == 201, r.text
    assert SECRET not in r.text
    return dict(r.json())


async def test_stored_key_is_described_never_returned(owner: Principal) -> None:
    made = await store(owner)
    assert set(made) == {"id", "provider", "base_url", "key_hint", "created_at"}
    assert (made["provider"], made["base_url"], made["key_hint"]) == ("openai", None, "cdef")
    r = await owner.http.get("/provider-keys")
    assert r.status_code == 200 and r.json() == [made]
    assert SECRET not in r.text


async def test_short_key_gets_no_hint(owner: Principal) -> None:
    r = await owner.http.post("/provider-keys", json={"provider": "groq", "api_key": "short"})
    assert r.status_code == 201 and r.json()["key_hint"] == ""


async def test_key_is_sealed_at_rest(owner: Principal, db: psycopg.Connection[Any]) -> None:
    made = await store(owner)
    row = db.execute(
        "SELECT ciphertext FROM provider_keys WHERE tenant_id = %s AND id = %s",
        (owner.tenant_id, made["id"]),
    ).fetchone()
    assert row is not None
    assert SECRET.encode() not in bytes(row[0])
    assert SECRET[-12:].encode() not in bytes(row[0])


async def test_one_key_per_provider(owner: Principal) -> None:
    await store(owner)
    r = await owner.http.post("/provider-keys", json={"provider": "openai", "api_key": "sk-2"})
    assert_error(r, 409, "conflict", "provider")
    assert len((await owner.http.get("/provider-keys")).json()) == 1


async def test_delete(owner: Principal) -> None:
    made = await store(owner)
    assert (await owner.http.delete(f"/provider-keys/{made['id']}")).status_code == 204
    assert (await owner.http.get("/provider-keys")).json() == []
    assert_error(await owner.http.delete(f"/provider-keys/{made['id']}"), 404, "not_found")
    await store(owner)  # the provider is free again


async def test_creation_and_deletion_are_audited_without_the_secret(owner: Principal) -> None:
    made = await store(owner)
    await owner.http.delete(f"/provider-keys/{made['id']}")
    r = await owner.http.get("/tenants/current/audit-log", params={"limit": 5})
    log = r.json()["items"]
    assert [e["action"] for e in log[:2]] == ["provider_key.deleted", "provider_key.created"]
    assert all(e["target_id"] == made["id"] for e in log[:2])
    assert all(e["details"] == {"provider": "openai"} for e in log[:2])
    assert SECRET not in r.text


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000/v1", "http://10.0.0.7/v1", "http://[::1]/v1"]
)
async def test_private_base_url_is_refused(owner: Principal, base_url: str) -> None:
    r = await owner.http.post(
        "/provider-keys", json={"provider": "openai", "api_key": SECRET, "base_url": base_url}
    )
    assert_error(r, 400, "blocked_address", "base_url")
    assert (await owner.http.get("/provider-keys")).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "nope", "api_key": SECRET}, "body.provider"),
        ({"provider": "local", "api_key": SECRET}, "body.provider"),
        ({"provider": "openai", "api_key": ""}, "body.api_key"),
        ({"provider": "openai", "api_key": "x" * 1001}, "body.api_key"),
        ({"provider": "openai"}, "body.api_key"),
        ({"provider": "openai", "api_key": SECRET, "base_url": "ftp://x"}, "body.base_url"),
        (
            {"provider": "openai", "api_key": SECRET, "tenant_id": str(uuid.uuid4())},
            "body.tenant_id",
        ),
    ],
)
async def test_bad_fields_are_named_and_never_echoed(
    owner: Principal, body: dict[str, Any], field: str
) -> None:
    r = await owner.http.post("/provider-keys", json=body)
    assert_error(r, 422, "validation_error", field)
    assert SECRET not in r.text


async def test_admins_manage_keys(team: Team) -> None:
    made = await store(team.admin, provider="mistral")
    listed = (await team.owner.http.get("/provider-keys")).json()
    assert made in listed
    assert (await team.owner.http.delete(f"/provider-keys/{made['id']}")).status_code == 204


async def test_members_cannot_store_or_delete_keys(accounts: Accounts, team: Team) -> None:
    made = await store(team.owner, provider="deepseek")
    r = await team.member.http.post("/provider-keys", json={"provider": "xai", "api_key": SECRET})
    assert_error(r, 403, "forbidden")
    assert_error(await team.member.http.delete(f"/provider-keys/{made['id']}"), 403, "forbidden")
    key = accounts.client(await accounts.api_key(team.member), header="x-api-key")
    assert_error(await key.delete(f"/provider-keys/{made['id']}"), 403, "forbidden")
    providers = {k["provider"] for k in (await team.owner.http.get("/provider-keys")).json()}
    assert "deepseek" in providers and "xai" not in providers


async def test_members_cannot_list_keys(team: Team) -> None:
    assert_error(await team.member.http.get("/provider-keys"), 403, "forbidden")


async def test_other_tenants_key_is_not_found(accounts: Accounts, owner: Principal) -> None:
    stranger = await accounts.register()
    made = await store(owner)
    assert_error(await stranger.http.delete(f"/provider-keys/{made['id']}"), 404, "not_found")
    assert (await stranger.http.get("/provider-keys")).json() == []
    assert (await owner.http.get("/provider-keys")).json() == [made]
