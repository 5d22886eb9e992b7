"""The signed-in user's own profile: `GET/PATCH /users/me`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.inprocess import Accounts, Principal, assert_error


@pytest.fixture
async def ada(accounts: Accounts) -> Principal:
    return await accounts.register(full_name="Ada Lovelace")


@pytest.fixture(scope="module")
async def refused(accounts: Accounts) -> Principal:
    """One user for the requests that must change nothing."""
    return await accounts.register(full_name="Grace Hopper")


async def test_me_is_the_signed_in_user(ada: Principal) -> None:
    r = await ada.http.get("/users/me")
    assert r.status_code == 200, r.text
    me = r.json()
    assert (me["id"], me["email"], me["full_name"]) == (ada.user_id, ada.email, "Ada Lovelace")
    assert me["email_verified"] is False
    assert me["is_platform_admin"] is False
    assert (me["avatar_url"], me["preferences"]) == (None, {})
    assert "password" not in r.text and "argon2" not in r.text


async def test_patch_changes_only_what_is_given(ada: Principal) -> None:
    r = await ada.http.patch(
        "/users/me",
        json={"avatar_url": "https://example.com/ada.png", "preferences": {"theme": "dark"}},
    )
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["full_name"] == "Ada Lovelace"
    assert me["avatar_url"] == "https://example.com/ada.png"
    assert me["preferences"] == {"theme": "dark"}
    r = await ada.http.patch("/users/me", json={"full_name": "  Countess  "})
    assert r.json()["full_name"] == "Countess"  # trimmed
    assert r.json()["preferences"] == {"theme": "dark"}
    assert (await ada.http.get("/users/me")).json() == r.json()


async def test_avatar_can_be_removed(ada: Principal) -> None:
    await ada.http.patch("/users/me", json={"avatar_url": "https://example.com/a.png"})
    r = await ada.http.patch("/users/me", json={"avatar_url": None})
    assert r.status_code == 200 and r.json()["avatar_url"] is None


async def test_an_empty_patch_changes_nothing(ada: Principal) -> None:
    before = (await ada.http.get("/users/me")).json()
    r = await ada.http.patch("/users/me", json={})
    assert r.status_code == 200 and r.json() == before


async def test_a_change_is_one_users_own(accounts: Accounts, ada: Principal) -> None:
    other = await accounts.register(full_name="Grace Hopper")
    await ada.http.patch("/users/me", json={"full_name": "Ada"})
    assert (await other.http.get("/users/me")).json()["full_name"] == "Grace Hopper"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": ""}, "body.full_name"),
        ({"full_name": "   "}, "body.full_name"),
        ({"full_name": "x" * 201}, "body.full_name"),
        ({"full_name": 7}, "body.full_name"),
        ({"avatar_url": "not a url"}, "body.avatar_url"),
        ({"avatar_url": "javascript:alert(1)"}, "body.avatar_url"),
        ({"avatar_url": "https://example.com/" + "a" * 2048}, "body.avatar_url"),
        ({"preferences": {"blob": "x" * 17_000}}, "body.preferences"),
        ({"preferences": ["dark"]}, "body.preferences"),
        ({"email": "new@example.com"}, "body.email"),
        ({"is_platform_admin": True}, "body.is_platform_admin"),
    ],
)
async def test_bad_fields_are_named_and_change_nothing(
    refused: Principal, body: dict[str, Any], field: str
) -> None:
    before = (await refused.http.get("/users/me")).json()
    r = await refused.http.patch("/users/me", json=body)
    assert_error(r, 422, "validation_error", field)
    assert (await refused.http.get("/users/me")).json() == before


async def test_nul_in_name_is_refused_naming_the_field(refused: Principal) -> None:
    r = await refused.http.patch("/users/me", json={"full_name": "Grace\u0000"})
    assert_error(r, 422, "validation_error", "body.full_name")


async def test_api_keys_have_no_profile(accounts: Accounts, ada: Principal) -> None:
    key = accounts.client(await accounts.api_key(ada), header="x-api-key")
    assert_error(await key.get("/users/me"), 403, "forbidden")
    assert_error(await key.patch("/users/me", json={"full_name": "Bot"}), 403, "forbidden")
    assert (await ada.http.get("/users/me")).json()["full_name"] == "Ada Lovelace"


async def test_me_needs_a_credential(app_client: httpx.AsyncClient) -> None:
    assert_error(await app_client.get("/users/me"), 401, "unauthorized")
    assert_error(await app_client.patch("/users/me", json={"full_name": "X"}), 401, "unauthorized")
    bad = await app_client.get("/users/me", headers={"Authorization": "Bearer not-a-token"})
    assert_error(bad, 401, "unauthorized")
