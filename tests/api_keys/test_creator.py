"""An API key acts with the lower of its own role and its creator's current one, and stops
when its creator leaves the tenant, is deactivated or has their password reset: at once,
also through the gateway's cache of recent authentications (issue 9, finding 1)."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from tests.inprocess import Accounts, Principal, assert_error
from tests.support import Mailbox, link_token


async def admin_with_key(
    accounts: Accounts, owner: Principal
) -> tuple[Principal, httpx.AsyncClient]:
    admin = await accounts.join(owner, role="admin")
    key = accounts.client(await accounts.api_key(admin, role="admin"), header="x-api-key")
    assert (await key.get("/tenants/current/audit-log")).status_code == 200
    return admin, key


async def test_a_demoted_admins_key_acts_as_a_member_until_promoted_again(
    accounts: Accounts, owner: Principal
) -> None:
    admin, key = await admin_with_key(accounts, owner)
    member = {"role": "member"}
    r = await owner.http.patch(f"/tenants/current/members/{admin.user_id}", json=member)
    assert r.status_code == 200, r.text
    assert_error(await key.get("/tenants/current/audit-log"), 403, "forbidden")
    assert_error(await key.get("/provider-keys"), 403, "forbidden")
    assert (await key.get("/tenants/current")).status_code == 200
    # The key keeps its own role: it follows its creator back up, never above itself.
    r = await owner.http.patch(f"/tenants/current/members/{admin.user_id}", json={"role": "admin"})
    assert r.status_code == 200, r.text
    assert (await key.get("/tenants/current/audit-log")).status_code == 200


async def test_a_member_key_of_an_admin_stays_a_member_key(
    accounts: Accounts, owner: Principal
) -> None:
    admin = await accounts.join(owner, role="admin")
    key = accounts.client(await accounts.api_key(admin, role="member"), header="x-api-key")
    assert_error(await key.get("/tenants/current/audit-log"), 403, "forbidden")


async def test_a_removed_creators_keys_are_revoked(accounts: Accounts, owner: Principal) -> None:
    admin, key = await admin_with_key(accounts, owner)
    assert (await owner.http.delete(f"/tenants/current/members/{admin.user_id}")).status_code == 204
    assert_error(await key.get("/tenants/current"), 401, "unauthorized")
    listed = (await owner.http.get("/api-keys", params={"limit": 200})).json()["items"]
    assert listed == [], "the removed admin's key is revoked, not merely refused"


async def test_a_deactivated_creators_key_stops(
    accounts: Accounts, owner: Principal, db: psycopg.Connection[Any]
) -> None:
    admin, key = await admin_with_key(accounts, owner)
    db.execute("UPDATE users SET is_active = false WHERE id = %s", (admin.user_id,))
    assert_error(await key.get("/tenants/current"), 401, "unauthorized")


async def test_a_password_reset_ends_the_users_keys(
    accounts: Accounts, owner: Principal, mailbox: Mailbox
) -> None:
    admin, key = await admin_with_key(accounts, owner)
    anonymous = accounts.client()
    assert (await anonymous.post("/auth/forgot-password", json={"email": admin.email})).is_success
    token = link_token(await mailbox.receive(admin.email, subject="Reset"), "/reset-password")
    r = await anonymous.post(
        "/auth/reset-password", json={"token": token, "password": "a brand new secret"}
    )
    assert r.status_code == 204, r.text
    assert_error(await key.get("/tenants/current"), 401, "unauthorized")
    assert_error(await key.get("/tenants/current/audit-log"), 401, "unauthorized")
    # Their access token too, although it has not expired: it predates the new password.
    assert_error(await admin.http.get("/tenants/current"), 401, "unauthorized")
    fresh = await accounts.sign_in(admin.email, "a brand new secret")
    assert (await fresh.http.get("/tenants/current/audit-log")).status_code == 200


async def test_the_gateway_forgets_a_removed_creators_key_at_once(
    accounts: Accounts, owner: Principal
) -> None:
    admin, _ = await admin_with_key(accounts, owner)
    key = accounts.client(await accounts.api_key(admin), header="x-api-key")
    # Twice: the second answer comes from the gateway's cache of authentications.
    for _ in range(2):
        assert (await key.get("/v1/models")).status_code == 200
    assert (await owner.http.delete(f"/tenants/current/members/{admin.user_id}")).status_code == 204
    r = await key.get("/v1/models")
    assert r.status_code == 401, r.text
