"""The sign-in form's cookie and its refusals, in process (no browser needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.inprocess import Accounts


@pytest.fixture
async def https_client(atrium_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=atrium_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://atrium.test") as client:
        yield client


async def test_session_cookie_flags(accounts: Accounts, https_client: httpx.AsyncClient) -> None:
    person = await accounts.register()
    form = {"email": person.email, "password": person.password, "next": "/app/chat"}
    over_https = await https_client.post("/sign-in", data=form)
    assert over_https.status_code == 303 and over_https.headers["location"] == "/app/chat"
    cookie = over_https.headers["set-cookie"].lower()
    assert cookie.startswith("atrium_session=rt_")
    for flag in ("httponly", "secure", "samesite=lax", "path=/"):
        assert flag in cookie, cookie

    over_http = await accounts.client().post("/sign-in", data=form)
    assert over_http.status_code == 303
    assert "secure" not in over_http.headers["set-cookie"].lower()


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example", "/\\evil"])
async def test_sign_in_never_redirects_off_site(accounts: Accounts, next_path: str) -> None:
    person = await accounts.register()
    form = {"email": person.email, "password": person.password, "next": next_path}
    r = await accounts.client().post("/sign-in", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/"


async def test_sign_in_from_another_site_is_refused(accounts: Accounts) -> None:
    person = await accounts.register()
    r = await accounts.client().post(
        "/sign-in",
        data={"email": person.email, "password": person.password},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert r.headers["content-type"].startswith("text/html")
    assert "came from another site" in r.text


async def test_wrong_password_is_a_sentence(accounts: Accounts) -> None:
    person = await accounts.register()
    r = await accounts.client().post(
        "/sign-in", data={"email": person.email, "password": "not the password"}
    )
    assert r.status_code == 400 and "set-cookie" not in r.headers
    assert "That e-mail and password do not match an account." in r.text
    assert f'value="{person.email}"' in r.text  # kept, so the person need not type it again
