"""The "Continue with Google" button, in process: shown when Google sign-in is configured
(the test server configures it, against the local OIDC stub) and leading to the flow's start.
The browser tests' server has no Google settings: tests/web/test_admin_pages.py checks that
the button is absent there."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.inprocess import Accounts
from tests.oidc_stub import OidcStub


@pytest.mark.parametrize("path", ["/sign-in", "/register"])
async def test_google_button_when_configured(accounts: Accounts, path: str) -> None:
    r = await accounts.client().get(path)
    assert r.status_code == 200
    button = '<a class="button google" href="/auth/google/login?next=%2F">Continue with Google</a>'
    assert button in r.text


async def test_no_google_button_on_an_invitations_register_page(accounts: Accounts) -> None:
    # Google's sign-up would make a workspace of its own, not join the inviting one.
    r = await accounts.client().get("/register", params={"invitation_token": "inv_x"})
    assert r.status_code == 200 and "Continue with Google" not in r.text


async def test_the_buttons_target_starts_googles_flow(accounts: Accounts, oidc: OidcStub) -> None:
    r = await accounts.client().get("/auth/google/login", params={"next": "/"})
    assert r.status_code == 302, r.text
    assert r.headers["location"].startswith(oidc.issuer + "/authorize")


async def test_no_google_button_when_not_configured(
    accounts: Accounts, atrium_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atrium_app.state.runtime.settings, "google_client_id", None)
    for path in ("/sign-in", "/register"):
        r = await accounts.client().get(path)
        assert r.status_code == 200 and "Continue with Google" not in r.text
