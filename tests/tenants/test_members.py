"""Members, roles, the last-owner rule, plans and platform administration."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

import httpx
import psycopg

from tests.support import Account, Api, Mailbox, link_token, premium, register, unique_email


def invite_and_join(
    owner: Account, mailbox: Mailbox, base_url: str, role: str = "member"
) -> Account:
    email = unique_email("invitee")
    r = owner.api.post("/tenants/current/members", json={"email": email, "role": role})
    assert r.status_code == 201, r.text
    message = mailbox.wait_for(email, subject="invited")
    token = link_token(message, "/invitations/accept")
    joined = register(base_url, email=email, invitation_token=token)
    assert joined.tenant_id == owner.tenant_id
    return joined


def test_roles_and_last_owner(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)
    admin = invite_and_join(owner, mailbox, base_url, role="admin")
    member = invite_and_join(owner, mailbox, base_url)
    members = owner.api.get("/tenants/current/members").json()
    assert {m["user_id"]: m["role"] for m in members["items"]} == {
        owner.user_id: "owner",
        admin.user_id: "admin",
        member.user_id: "member",
    }

    # members cannot change roles; admins cannot touch the owner role
    assert (
        member.api.patch(
            f"/tenants/current/members/{admin.user_id}", json={"role": "member"}
        ).status_code
        == 403
    )
    r = admin.api.patch(f"/tenants/current/members/{member.user_id}", json={"role": "owner"})
    assert r.status_code == 403
    r = admin.api.delete(f"/tenants/current/members/{owner.user_id}")
    assert r.status_code == 403

    # the last owner can neither be demoted nor leave
    r = owner.api.patch(f"/tenants/current/members/{owner.user_id}", json={"role": "admin"})
    assert r.status_code == 409
    assert owner.api.delete(f"/tenants/current/members/{owner.user_id}").status_code == 409

    # with a second owner, the first may leave
    r = owner.api.patch(f"/tenants/current/members/{admin.user_id}", json={"role": "owner"})
    assert r.status_code == 200 and r.json()["role"] == "owner"
    assert owner.api.delete(f"/tenants/current/members/{owner.user_id}").status_code == 204
    # the departed owner's token no longer opens the tenant
    assert owner.api.get("/tenants/current").status_code == 401


def test_role_change_takes_effect_immediately(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)
    admin = invite_and_join(owner, mailbox, base_url, role="admin")
    assert admin.api.get("/tenants/current/invitations").status_code == 200
    owner.api.patch(f"/tenants/current/members/{admin.user_id}", json={"role": "member"})
    # same access token, role read afresh
    assert admin.api.get("/tenants/current/invitations").status_code == 403


def test_member_removal_and_leaving(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)
    m1 = invite_and_join(owner, mailbox, base_url)
    m2 = invite_and_join(owner, mailbox, base_url)
    assert m1.api.delete(f"/tenants/current/members/{m2.user_id}").status_code == 403
    assert m1.api.delete(f"/tenants/current/members/{m1.user_id}").status_code == 204
    assert owner.api.delete(f"/tenants/current/members/{m2.user_id}").status_code == 204
    ids = [m["user_id"] for m in owner.api.get("/tenants/current/members").json()["items"]]
    assert ids == [owner.user_id]
    # m2's refresh token for this tenant was revoked
    r = httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": m2.tokens["refresh_token"]})
    assert r.status_code == 401


def test_plan_and_subscribe(base_url: str, mailbox: Mailbox, db: psycopg.Connection[Any]) -> None:
    owner = register(base_url)
    plan = owner.api.get("/tenants/plan").json()
    assert plan["id"] == "basic"
    for key in (
        "requests_per_minute",
        "tokens_per_month",
        "cost_ceiling_usd_per_month",
        "max_assistants",
        "storage_mb",
        "allowed_models",
        "features",
    ):
        assert key in plan["limits"]
    plans = owner.api.get("/tenants/plans").json()
    # first in their order (platform administrators may add plans after them)
    assert [p["id"] for p in plans][:3] == ["basic", "premium", "gold"]

    admin = invite_and_join(owner, mailbox, base_url, role="admin")
    assert admin.api.post("/tenants/subscribe", json={"plan_id": "gold"}).status_code == 403
    # issue 9, finding 3: without Stripe an owner cannot buy a paid plan
    r = owner.api.post("/tenants/subscribe", json={"plan_id": "premium"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "billing_not_configured"
    assert owner.api.get("/tenants/current").json()["plan_id"] == "basic"
    premium(owner)
    assert owner.api.get("/tenants/current").json()["plan_id"] == "premium"
    bad = owner.api.post("/tenants/subscribe", json={"plan_id": "platinum"})
    assert bad.status_code == 404
    # a free plan is the owner's to choose
    r = owner.api.post("/tenants/subscribe", json={"plan_id": "basic"})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    rows = db.execute(
        "SELECT details FROM audit_log WHERE tenant_id = %s AND action = 'tenant.plan_changed'"
        " ORDER BY created_at",
        (owner.tenant_id,),
    ).fetchall()
    assert [r[0] for r in rows] == [
        {"from": "basic", "to": "premium", "reason": "platform_admin"},
        {"from": "premium", "to": "basic", "reason": "owner"},
    ]


def test_member_limit_of_plan(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)  # Basic allows 3 members
    invite_and_join(owner, mailbox, base_url)
    invite_and_join(owner, mailbox, base_url)
    r = owner.api.post("/tenants/current/members", json={"email": unique_email()})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "quota_exceeded"


def test_platform_admin_lists_all_tenants(base_url: str, platform_admin: Api) -> None:
    a = register(base_url)
    assert a.api.get("/admin/tenants").status_code == 403
    page = platform_admin.get("/admin/tenants", params={"limit": 200}).json()
    assert page["total"] >= 2
    ids = {t["id"] for t in page["items"]}
    assert a.tenant_id in ids or page["total"] > 200
    # but the admin's ordinary tenant context is still its own tenant
    own = platform_admin.get("/auth/me").json()["tenant"]["id"]
    assert platform_admin.get("/tenants/current").json()["id"] == own
    assert own != a.tenant_id


def test_platform_admin_finds_tenants_by_name_or_id(base_url: str, platform_admin: Api) -> None:
    tag = uuid.uuid4().hex[:10]
    a = register(base_url, full_name=f"Searchable {tag}")
    register(base_url, full_name="Someone else")
    found = platform_admin.get("/admin/tenants", params={"q": tag.upper()}).json()
    assert [t["id"] for t in found["items"]] == [a.tenant_id] and found["total"] == 1
    by_id = platform_admin.get("/admin/tenants", params={"q": a.tenant_id[:13]}).json()
    assert a.tenant_id in {t["id"] for t in by_id["items"]}
    # LIKE's wildcards are plain characters: "%" matches no name here
    assert platform_admin.get("/admin/tenants", params={"q": "%" + tag}).json()["total"] == 0
    r = platform_admin.get("/admin/tenants", params={"q": "a\x00b"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "q"


def test_cli_create_tenant(server: Any, base_url: str) -> None:
    email = unique_email("cli")
    env = {**server.env, "ATRIUM_ADMIN_PASSWORD": "cli owner pw1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "atrium.cli",
            "admin",
            "create-tenant",
            "--name",
            "Acme",
            "--owner-email",
            email,
            "--plan",
            "gold",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    login = httpx.post(f"{base_url}/auth/login", json={"email": email, "password": "cli owner pw1"})
    assert login.status_code == 200
    api = Api(base_url, login.json()["access_token"])
    current = api.get("/tenants/current").json()
    assert current["name"] == "Acme" and current["plan_id"] == "gold"


def test_platform_admin_suspends_and_reactivates(base_url: str, platform_admin: Api) -> None:
    owner = register(base_url)
    key = owner.api.post("/api-keys", json={"name": "k"}).json()["key"]
    r = platform_admin.patch(f"/admin/tenants/{owner.tenant_id}", json={"status": "suspended"})
    assert r.status_code == 200
    assert r.json()["status"] == "suspended"
    assert owner.api.get("/tenants/current").status_code == 403
    assert Api(base_url, key).get("/tenants/current").status_code == 403
    bad = platform_admin.patch(f"/admin/tenants/{owner.tenant_id}", json={"status": "gone"})
    assert bad.status_code == 422
    missing = platform_admin.patch(
        "/admin/tenants/00000000-0000-0000-0000-000000000000", json={"status": "active"}
    )
    assert missing.status_code == 404
    platform_admin.patch(f"/admin/tenants/{owner.tenant_id}", json={"status": "active"})
    assert owner.api.get("/tenants/current").status_code == 200
