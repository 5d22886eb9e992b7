"""Google sign-in against a local OIDC provider stub (discovery, JWKS, token endpoint)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import psycopg

from atrium.auth.sessions import SESSION_COOKIE
from tests.oidc_stub import OidcStub
from tests.support import Api, register, unique_email


def google_flow(
    base_url: str,
    oidc: OidcStub,
    identity: dict[str, Any],
    *,
    browser: httpx.Client | None = None,
    start_params: dict[str, str] | None = None,
) -> httpx.Response:
    oidc.next_identity = identity
    if browser is None:
        with httpx.Client(base_url=base_url) as own:
            return _google_flow(own, oidc, start_params)
    return _google_flow(browser, oidc, start_params)


def _google_flow(
    browser: httpx.Client, oidc: OidcStub, start_params: dict[str, str] | None
) -> httpx.Response:
    base_url = str(browser.base_url).rstrip("/")
    start = browser.get("/auth/google/login", params=start_params or {})
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(oidc.issuer + "/authorize")
    query = parse_qs(urlparse(location).query)
    assert query["scope"] == ["openid email profile"]
    assert "nonce" in query and "state" in query
    consent = httpx.get(location)
    assert consent.status_code == 302
    callback = consent.headers["location"]
    assert callback.startswith(base_url + "/auth/google/callback")
    return browser.get(callback)


def test_google_sign_up_then_sign_in_bound_by_sub(
    base_url: str, oidc: OidcStub, db: psycopg.Connection[Any]
) -> None:
    sub = "1100" + unique_email()[:12]
    email = unique_email("g")
    first = google_flow(
        base_url,
        oidc,
        {
            "sub": sub,
            "email": email,
            "email_verified": True,
            "name": "Grace Hopper",
            "picture": "https://example.com/grace.png",
        },
    )
    assert first.status_code == 200, first.text
    tokens = first.json()
    me = Api(base_url, tokens["access_token"]).get("/auth/me").json()
    assert me["user"]["email"] == email
    assert me["user"]["email_verified"] is True
    assert me["user"]["full_name"] == "Grace Hopper"
    assert me["role"] == "owner"

    # Same sub, changed e-mail at Google: still the same account (bound by sub).
    second = google_flow(
        base_url, oidc, {"sub": sub, "email": unique_email("renamed"), "email_verified": True}
    )
    assert second.status_code == 200
    me2 = Api(base_url, second.json()["access_token"]).get("/auth/me").json()
    assert me2["user"]["id"] == me["user"]["id"]
    rows = db.execute(
        "SELECT user_id::text FROM oauth_identities WHERE subject = %s", (sub,)
    ).fetchall()
    assert rows == [(me["user"]["id"],)]


def test_google_refuses_unverified_email(
    base_url: str, oidc: OidcStub, db: psycopg.Connection[Any]
) -> None:
    email = unique_email("unverified")
    r = google_flow(
        base_url, oidc, {"sub": "unv-1-" + email, "email": email, "email_verified": False}
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert db.execute("SELECT count(*) FROM users WHERE email = %s", (email,)).fetchone() == (0,)


def test_google_links_verified_existing_account_only(
    base_url: str, oidc: OidcStub, mailbox: Any
) -> None:
    from tests.support import link_token

    acct = register(base_url)
    # unverified local account with that address: refuse to link
    r = google_flow(
        base_url, oidc, {"sub": "link-" + acct.email, "email": acct.email, "email_verified": True}
    )
    assert r.status_code == 409
    token = link_token(mailbox.wait_for(acct.email, subject="Confirm"), "/verify-email")
    assert httpx.post(f"{base_url}/auth/verify-email", json={"token": token}).status_code == 200
    r = google_flow(
        base_url, oidc, {"sub": "link-" + acct.email, "email": acct.email, "email_verified": True}
    )
    assert r.status_code == 200
    assert r.json()["tenant_id"] == acct.tenant_id


def test_google_callback_with_forged_state_fails(base_url: str, oidc: OidcStub) -> None:
    oidc.next_identity = {"sub": "x", "email": unique_email(), "email_verified": True}
    with httpx.Client(base_url=base_url) as browser:
        start = browser.get("/auth/google/login")
        consent = httpx.get(start.headers["location"])
        callback = consent.headers["location"].replace("state=", "state=forged")
        r = browser.get(callback)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "oauth_error"
    # and without the browser's state cookie at all
    r = httpx.get(f"{base_url}/auth/google/callback", params={"code": "abc", "state": "def"})
    assert r.status_code == 400


def test_google_from_the_dashboard_ends_in_a_browser_session(base_url: str, oidc: OidcStub) -> None:
    """The dashboard's button passes `next`: the callback sets the session cookie and goes
    there (never to another site), instead of showing the token pair as JSON."""
    email = unique_email("web-google")
    identity = {"sub": "web-" + email, "email": email, "email_verified": True, "name": "Web G"}
    with httpx.Client(base_url=base_url) as browser:
        done = google_flow(
            base_url,
            oidc,
            identity,
            browser=browser,
            start_params={"next": "/app/chat"},
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/app/chat"
        cookie = browser.cookies.get(SESSION_COOKIE)
        assert cookie
        set_cookie = done.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        me = httpx.get(f"{base_url}/auth/me", cookies={SESSION_COOKIE: cookie})
        assert me.status_code == 200 and me.json()["user"]["email"] == email

    with httpx.Client(base_url=base_url) as browser:
        away = google_flow(
            base_url, oidc, identity, browser=browser, start_params={"next": "//evil.example/x"}
        )
        assert away.status_code == 303 and away.headers["location"] == "/"

    # A refusal goes back to the sign-in page, which says why in its own words.
    refused_email = unique_email("web-unverified")
    with httpx.Client(base_url=base_url) as browser:
        refused = google_flow(
            base_url,
            oidc,
            {"sub": "wu-" + refused_email, "email": refused_email, "email_verified": False},
            browser=browser,
            start_params={"next": "/"},
        )
        assert refused.status_code == 303
        assert refused.headers["location"] == "/sign-in?google=forbidden"
        assert browser.cookies.get(SESSION_COOKIE) is None
        page = browser.get(refused.headers["location"])
        assert "Google has not verified that e-mail address" in page.text
        spoof = browser.get("/sign-in", params={"google": "<b>Call 555-0100</b>"})
        assert "555-0100" not in spoof.text
        assert "Google sign-in did not complete" in spoof.text
