"""E-mail verification, password reset and invitations through a real SMTP server."""

from __future__ import annotations

import httpx

from tests.support import Api, Mailbox, link_token, register, unique_email


def test_email_verification(base_url: str, mailbox: Mailbox) -> None:
    acct = register(base_url)
    message = mailbox.wait_for(acct.email, subject="Confirm")
    token = link_token(message, "/verify-email")
    assert acct.api.get("/users/me").json()["email_verified"] is False
    # the link from the e-mail, opened as is
    r = httpx.get(f"{base_url}/auth/verify-email", params={"token": token})
    assert r.status_code == 200
    assert r.json()["email_verified"] is True
    assert acct.api.get("/users/me").json()["email_verified"] is True
    # single use
    again = httpx.post(f"{base_url}/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"


def test_verification_resend_replaces_old_link(base_url: str, mailbox: Mailbox) -> None:
    acct = register(base_url)
    first = link_token(mailbox.wait_for(acct.email, subject="Confirm"), "/verify-email")
    assert acct.api.post("/auth/verify-email/resend").status_code == 202
    deadline_count = 2
    import time

    end = time.monotonic() + 10
    while mailbox.count(acct.email) < deadline_count and time.monotonic() < end:
        time.sleep(0.05)
    assert mailbox.count(acct.email) == 2
    with mailbox.lock:
        latest = [m for m in mailbox.messages if m["To"] == acct.email][-1]
    second = link_token(latest, "/verify-email")
    assert second != first
    assert httpx.post(f"{base_url}/auth/verify-email", json={"token": first}).status_code == 400
    assert httpx.post(f"{base_url}/auth/verify-email", json={"token": second}).status_code == 200


def test_password_reset(base_url: str, mailbox: Mailbox) -> None:
    acct = register(base_url)
    r = httpx.post(f"{base_url}/auth/forgot-password", json={"email": acct.email})
    assert r.status_code == 202
    token = link_token(mailbox.wait_for(acct.email, subject="Reset"), "/reset-password")
    new_password = "a brand new secret"
    done = httpx.post(
        f"{base_url}/auth/reset-password", json={"token": token, "password": new_password}
    )
    assert done.status_code == 204
    # old sessions are over, old password refused, new one works
    assert (
        httpx.post(
            f"{base_url}/auth/refresh", json={"refresh_token": acct.tokens["refresh_token"]}
        ).status_code
        == 401
    )
    assert (
        httpx.post(
            f"{base_url}/auth/login", json={"email": acct.email, "password": acct.password}
        ).status_code
        == 401
    )
    assert (
        httpx.post(
            f"{base_url}/auth/login", json={"email": acct.email, "password": new_password}
        ).status_code
        == 200
    )
    # the token is spent
    reuse = httpx.post(
        f"{base_url}/auth/reset-password", json={"token": token, "password": "yet another one"}
    )
    assert reuse.status_code == 400


def test_forgot_password_does_not_reveal_accounts(base_url: str, mailbox: Mailbox) -> None:
    email = unique_email("nobody")
    r = httpx.post(f"{base_url}/auth/forgot-password", json={"email": email})
    assert r.status_code == 202
    import time

    time.sleep(0.5)
    assert mailbox.count(email) == 0


def test_invitation_of_existing_user(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)
    guest = register(base_url)
    r = owner.api.post("/tenants/current/members", json={"email": guest.email, "role": "admin"})
    assert r.status_code == 201
    invitation_id = r.json()["id"]
    pending = owner.api.get("/tenants/current/invitations").json()
    assert [i["id"] for i in pending] == [invitation_id]
    token = link_token(mailbox.wait_for(guest.email, subject="invited"), "/invitations/accept")

    # someone else cannot use it
    stranger = register(base_url)
    assert stranger.api.post("/invitations/accept", json={"token": token}).status_code == 403

    accepted = guest.api.post("/invitations/accept", json={"token": token})
    assert accepted.status_code == 200
    assert accepted.json()["tenant_id"] == owner.tenant_id
    assert accepted.json()["role"] == "admin"
    in_tenant = Api(base_url, accepted.json()["access_token"])
    assert in_tenant.get("/tenants/current").json()["id"] == owner.tenant_id
    assert guest.api.post("/invitations/accept", json={"token": token}).status_code == 400
    assert owner.api.get("/tenants/current/invitations").json() == []


def test_revoked_invitation_cannot_be_used(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)
    email = unique_email("revoked")
    inv = owner.api.post("/tenants/current/members", json={"email": email}).json()
    token = link_token(mailbox.wait_for(email, subject="invited"), "/invitations/accept")
    dup = owner.api.post("/tenants/current/members", json={"email": email})
    assert dup.status_code == 409
    assert owner.api.delete(f"/tenants/current/invitations/{inv['id']}").status_code == 204
    r = httpx.post(
        f"{base_url}/auth/register",
        json={
            "email": email,
            "password": "a good password",
            "full_name": "Late",
            "invitation_token": token,
        },
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_token"
    # nothing was written by the refused registration
    ok = register(base_url, email=email)
    assert ok.tenant_id != owner.tenant_id
