"""The dashboard's session cookie at the API: the same auth dependency as tokens and keys, a
CSRF token on every unsafe request made with it, revoked like a refresh token."""

from __future__ import annotations

import httpx

from atrium.auth.sessions import CSRF_HEADER, SESSION_COOKIE
from tests.inprocess import Accounts, assert_error


def _browser(accounts: Accounts, session: str) -> httpx.AsyncClient:
    client = accounts.client()
    client.cookies.set(SESSION_COOKIE, session)
    return client


async def _csrf(browser: httpx.AsyncClient) -> str:
    """The CSRF token, as the page's script reads it (a meta tag of any signed-in page)."""
    page = await browser.get("/app/settings/api-keys")
    assert page.status_code == 200, page.text
    marker = 'name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


async def test_cookie_reads_and_needs_csrf_to_change(accounts: Accounts) -> None:
    person = await accounts.register()
    browser = _browser(accounts, person.tokens["refresh_token"])
    me = await browser.get("/auth/me")
    assert me.status_code == 200 and me.json()["user"]["email"] == person.email

    refused = await browser.post("/api-keys", json={"name": "no token"})
    assert_error(refused, 403, "forbidden")
    wrong = await browser.post(
        "/api-keys", json={"name": "wrong token"}, headers={CSRF_HEADER: "0" * 64}
    )
    assert_error(wrong, 403, "forbidden")
    listed = await person.http.get("/api-keys")
    assert listed.json()["total"] == 0

    token = await _csrf(browser)
    made = await browser.post(
        "/api-keys", json={"name": "with token"}, headers={CSRF_HEADER: token}
    )
    assert made.status_code == 201, made.text

    # Another session's token does not fit this one.
    other = await accounts.sign_in(person.email)
    other_token = await _csrf(_browser(accounts, other.tokens["refresh_token"]))
    assert other_token != token
    crossed = await browser.post(
        "/api-keys", json={"name": "crossed"}, headers={CSRF_HEADER: other_token}
    )
    assert_error(crossed, 403, "forbidden")


async def test_bearer_requests_need_no_csrf_even_with_a_cookie(accounts: Accounts) -> None:
    person = await accounts.register()
    stranger = await accounts.register()
    # A program's bearer token decides alone: a cookie beside it is ignored, not merged.
    person.http.cookies.set(SESSION_COOKIE, stranger.tokens["refresh_token"])
    try:
        made = await person.http.post("/api-keys", json={"name": "program"})
        assert made.status_code == 201, made.text
        me = await person.http.get("/auth/me")
        assert me.json()["user"]["email"] == person.email
    finally:
        person.http.cookies.clear()


async def test_revoked_or_rotated_sessions_stop_working(accounts: Accounts) -> None:
    person = await accounts.register()
    session = person.tokens["refresh_token"]
    browser = _browser(accounts, session)
    assert (await browser.get("/auth/me")).status_code == 200
    # Using the refresh token as an SDK would rotates it: the cookie holding it is dead.
    rotated = await accounts.client().post("/auth/refresh", json={"refresh_token": session})
    assert rotated.status_code == 200, rotated.text
    assert_error(await browser.get("/auth/me"), 401, "unauthorized")

    fresh = rotated.json()["refresh_token"]
    browser = _browser(accounts, fresh)
    assert (await browser.get("/auth/me")).status_code == 200
    logout = await accounts.client().post("/auth/logout", json={"refresh_token": fresh})
    assert logout.status_code == 204
    assert_error(await browser.get("/auth/me"), 401, "unauthorized")
    # A page sends a dead session to sign in rather than failing.
    page = await browser.get("/app/chat")
    assert page.status_code == 303 and page.headers["location"] == "/sign-in?next=%2Fapp%2Fchat"


async def test_garbage_cookie_is_unauthorized(accounts: Accounts) -> None:
    for value in ("nonsense", "rt_" + "x" * 60, "x" * 5000):
        browser = _browser(accounts, value)
        assert_error(await browser.get("/auth/me"), 401, "unauthorized")


async def test_a_get_that_cancels_a_run_needs_csrf_with_a_cookie(accounts: Accounts) -> None:
    """`cancel_on_disconnect` turns joining a stream into a change: from another site's link
    (SameSite=Lax sends the cookie on a top-level GET) it must not get as far as the run."""
    person = await accounts.register()
    browser = _browser(accounts, person.tokens["refresh_token"])
    thread = await person.http.post("/threads", json={})
    assert thread.status_code == 200, thread.text
    missing_run = "00000000-0000-4000-8000-000000000000"
    path = f"/threads/{thread.json()['thread_id']}/runs/{missing_run}/stream"

    refused = await browser.get(path, params={"cancel_on_disconnect": "true"})
    assert_error(refused, 403, "forbidden")
    # With the token the request goes on to look for the run (none here), and without the
    # flag a plain join needs no token: reading stays a safe method.
    token = await _csrf(browser)
    with_token = await browser.get(
        path, params={"cancel_on_disconnect": "true"}, headers={CSRF_HEADER: token}
    )
    assert_error(with_token, 404, "not_found")
    assert_error(await browser.get(path), 404, "not_found")
    # A program's bearer token needs no CSRF token.
    program = await person.http.get(path, params={"cancel_on_disconnect": "true"})
    assert_error(program, 404, "not_found")
