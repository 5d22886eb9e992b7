"""The knowledge pages show change controls only to those who may change a base (in process,
through the session cookie): a member reads and searches an admin's base but gets no upload,
rename, retry or delete controls, and can change a base of their own."""

from __future__ import annotations

import httpx

from atrium.auth.sessions import SESSION_COOKIE
from tests.inprocess import Accounts, Principal


def _browser(accounts: Accounts, who: Principal) -> httpx.AsyncClient:
    client = accounts.client()
    client.cookies.set(SESSION_COOKIE, who.tokens["refresh_token"])
    return client


async def test_a_member_reads_an_admins_base_and_changes_their_own(
    accounts: Accounts, owner: Principal
) -> None:
    member = await accounts.join(owner, role="member")
    r = await owner.http.post("/knowledge", json={"name": "Owner's handbook"})
    assert r.status_code == 201, r.text
    theirs = r.json()["id"]
    r = await member.http.post("/knowledge", json={"name": "Member's notes"})
    assert r.status_code == 201, r.text
    mine = r.json()["id"]
    browser = _browser(accounts, member)

    page = await browser.get(f"/app/knowledge/{theirs}")
    assert page.status_code == 200, page.text
    assert 'id="read-only"' in page.text and 'data-can-change="false"' in page.text
    assert 'id="upload"' not in page.text and 'id="add-url"' not in page.text
    assert 'data-method="PATCH"' not in page.text and 'id="search"' in page.text

    page = await browser.get(f"/app/knowledge/{mine}")
    assert 'id="read-only"' not in page.text and 'data-can-change="true"' in page.text
    assert 'id="upload"' in page.text and 'id="add-url"' in page.text

    listing = await browser.get("/app/knowledge")
    assert f'data-url="/knowledge/{mine}"' in listing.text
    assert f'data-url="/knowledge/{theirs}"' not in listing.text
    owners = await _browser(accounts, owner).get("/app/knowledge")
    assert f'data-url="/knowledge/{mine}"' in owners.text
