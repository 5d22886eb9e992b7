"""Every route of the app, generated from `app.routes`, against the isolation and role rules.

- A route that takes another tenant's id (in its path, or for a few routes in its body): a
  second tenant's credential gets 404, exactly the answer for an id that does not exist, and
  no row of the first tenant changes.
- A dashboard page that takes another tenant's id (`Page`): a second tenant's browser
  session gets the same 404 page as for an id that does not exist.
- A route that tenant admins may use and members may not: a member gets 403 and nothing
  changes. Owner-only routes refuse admins too; platform routes refuse tenant owners.

`MATRIX` has one entry per (method, path) of the app: a case, or an exemption that says why
the route has none. A route added without an entry fails `test_every_route_has_an_entry`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import psycopg
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy.engine import make_url

from atrium.app import create_app
from atrium.db.urls import DatabaseUrls
from atrium.settings import Settings
from tests.support import Account, Api, Mailbox, gold, link_token, register, unique_email

Route = tuple[str, str]
Body = dict[str, Any] | list[Any] | None


@dataclass(frozen=True)
class Foreign:
    """Called with the other tenant's ids (path parameters, and `{name}` strings in the
    body, are filled from `ids` by name unless `params` maps them to another id)."""

    body: Body = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Gate:
    """Refused below `lowest`: members get 403 (and admins too when `lowest` is owner);
    for `platform`, the tenant's own owner gets 403."""

    lowest: Literal["admin", "owner", "platform"]
    body: Body = None
    params: dict[str, str] = field(default_factory=dict)
    # Set while the rule is not enforced yet: the case is a strict xfail until it is.
    known_gap: str = ""


@dataclass(frozen=True)
class Page:
    """A dashboard page opened with the other tenant's ids, in a browser session (the
    session cookie: pages take no bearer token)."""


@dataclass(frozen=True)
class Case:
    foreign: Foreign | None = None
    gate: Gate | None = None
    page: Page | None = None
    exempt: str = ""

    def __post_init__(self) -> None:
        assert bool(self.exempt) != bool(self.foreign or self.gate or self.page), (
            "a case or a reason"
        )


# Why a route has no case.
DOCS = "FastAPI's own documentation routes: no tenant data"
OPS = "operations endpoint without a credential: no tenant data"
BEFORE_SIGN_IN = (
    "sign-up, sign-in and recovery: identified by credentials or a secret token in the "
    "body, never by an id; covered by tests/auth"
)
OWN_USER = "the signed-in user's own profile, sessions or tenants: there is no other id to pass"
TENANT_WIDE = (
    "no id: acts on the credential's own tenant, open to every role; tests/test_isolation.py "
    "checks that lists never show another tenant"
)
GATEWAY = "no id: the OpenAI-compatible gateway, open to every role of the tenant"
STATELESS_RUN = (
    "no id: starts a run on a new temporary thread of the caller's tenant, open to every role"
)
RUN = {"assistant_id": "agent", "input": {"messages": []}}
MCP_SERVER = {"server_id": "mcp_server_id"}
WEB_FORM = "a dashboard form before sign-in (or signing out): no id; covered by tests/web"
WEB_PAGE = (
    "a dashboard page without an id: shows the session's own tenant through the same "
    "services as the API; tests/web checks it"
)
PLATFORM_PAGE = (
    "a platform administrators' page without an id (every tenant's, by design, like "
    "/admin/*); anyone else gets the 404 page: tests/web/test_admin_pages.py checks it"
)

MATRIX: dict[Route, Case] = {
    # FastAPI and operations
    ("GET", "/openapi.json"): Case(exempt=DOCS),
    ("GET", "/docs"): Case(exempt=DOCS),
    ("GET", "/docs/oauth2-redirect"): Case(exempt=DOCS),
    ("GET", "/redoc"): Case(exempt=DOCS),
    ("GET", "/healthz"): Case(exempt=OPS),
    ("GET", "/readyz"): Case(exempt=OPS),
    ("GET", "/metrics"): Case(exempt=OPS),
    # auth
    ("POST", "/auth/register"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/login"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/refresh"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/logout"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/verify-email"): Case(exempt=BEFORE_SIGN_IN),
    ("GET", "/auth/verify-email"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/forgot-password"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/reset-password"): Case(exempt=BEFORE_SIGN_IN),
    ("GET", "/auth/google/login"): Case(exempt=BEFORE_SIGN_IN),
    ("GET", "/auth/google/callback"): Case(exempt=BEFORE_SIGN_IN),
    ("POST", "/auth/verify-email/resend"): Case(exempt=OWN_USER),
    ("GET", "/auth/me"): Case(exempt=OWN_USER),
    ("POST", "/auth/switch-tenant"): Case(foreign=Foreign(body={"tenant_id": "{tenant_id}"})),
    # users and tenants
    ("GET", "/users/me"): Case(exempt=OWN_USER),
    ("PATCH", "/users/me"): Case(exempt=OWN_USER),
    ("GET", "/tenants"): Case(exempt=OWN_USER),
    ("POST", "/tenants"): Case(exempt=OWN_USER),
    ("POST", "/invitations/accept"): Case(exempt=BEFORE_SIGN_IN),
    ("GET", "/tenants/current"): Case(exempt=TENANT_WIDE),
    ("PATCH", "/tenants/current"): Case(gate=Gate("admin", {"name": "Renamed by a member"})),
    ("GET", "/tenants/plan"): Case(exempt=TENANT_WIDE),
    ("GET", "/tenants/plans"): Case(exempt=TENANT_WIDE),
    ("POST", "/tenants/subscribe"): Case(gate=Gate("owner", {"plan_id": "gold"})),
    ("GET", "/tenants/current/members"): Case(exempt=TENANT_WIDE),
    ("POST", "/tenants/current/members"): Case(
        gate=Gate("admin", {"email": "{new_email}", "role": "member"})
    ),
    ("PATCH", "/tenants/current/members/{user_id}"): Case(
        foreign=Foreign({"role": "admin"}),
        gate=Gate("admin", {"role": "member"}, params={"user_id": "admin_user_id"}),
    ),
    ("DELETE", "/tenants/current/members/{user_id}"): Case(
        foreign=Foreign(),
        # a member may leave (remove themselves), not remove someone else
        gate=Gate("admin", params={"user_id": "admin_user_id"}),
    ),
    ("GET", "/tenants/current/invitations"): Case(gate=Gate("admin")),
    ("DELETE", "/tenants/current/invitations/{invitation_id}"): Case(
        foreign=Foreign(), gate=Gate("admin")
    ),
    ("GET", "/tenants/current/audit-log"): Case(gate=Gate("admin")),
    ("GET", "/tenants/current/usage"): Case(exempt=TENANT_WIDE + " (members see their own)"),
    ("GET", "/tenants/current/usage/export"): Case(
        exempt=TENANT_WIDE + " (members see their own; tests/usage)"
    ),
    ("GET", "/tenants/current/webhook-secret"): Case(gate=Gate("admin")),
    ("GET", "/tenants/current/outbound-allowlist"): Case(exempt=TENANT_WIDE),
    ("PUT", "/tenants/current/outbound-allowlist"): Case(
        gate=Gate("admin", {"hosts": ["member.example.com"]})
    ),
    ("GET", "/tools"): Case(exempt=TENANT_WIDE),
    ("GET", "/tools/invocations"): Case(
        exempt=TENANT_WIDE + " (members see those on their own threads; tests/tools)"
    ),
    ("GET", "/admin/tenants"): Case(gate=Gate("platform")),
    ("PATCH", "/admin/tenants/{tenant_id}"): Case(
        # acts across tenants by design, so no 404 case: a tenant's credential gets 403
        gate=Gate("platform", {"status": "suspended"})
    ),
    ("GET", "/admin/plans"): Case(gate=Gate("platform")),
    ("POST", "/admin/plans"): Case(
        gate=Gate(
            "platform",
            {
                "id": "matrix",
                "name": "Matrix",
                "position": 9,
                "monthly_price_cents": 0,
                "limits": {},
            },
        )
    ),
    ("PATCH", "/admin/plans/{plan_id}"): Case(
        # plans are platform-wide, so no 404 case: a tenant's credential gets 403
        gate=Gate("platform", {"name": "Renamed by a tenant"})
    ),
    ("GET", "/admin/usage"): Case(gate=Gate("platform")),
    ("GET", "/admin/usage/export"): Case(gate=Gate("platform")),
    # billing
    ("GET", "/tenants/current/billing"): Case(exempt=TENANT_WIDE),
    ("POST", "/billing/webhook"): Case(
        exempt="no credential: Stripe's signature is the credential; covered by tests/billing"
    ),
    # keys
    ("POST", "/api-keys"): Case(
        # members create keys of their own role at most
        gate=Gate("admin", {"name": "escalated", "role": "admin"})
    ),
    ("GET", "/api-keys"): Case(exempt=TENANT_WIDE),
    ("DELETE", "/api-keys/{key_id}"): Case(
        foreign=Foreign(),
        gate=Gate("admin"),  # the owner's key, not the member's own
    ),
    ("PUT", "/api-keys/{key_id}/limits"): Case(
        foreign=Foreign({"requests_per_minute": 5}),
        gate=Gate("admin", {"requests_per_minute": 5}),
    ),
    ("PUT", "/tenants/current/members/{user_id}/limits"): Case(
        foreign=Foreign({"requests_per_minute": 5}),
        gate=Gate("admin", {"requests_per_minute": 5}, params={"user_id": "admin_user_id"}),
    ),
    ("POST", "/provider-keys"): Case(
        gate=Gate("admin", {"provider": "groq", "api_key": "gsk_member_attempt_0001"})
    ),
    ("GET", "/provider-keys"): Case(gate=Gate("admin")),
    ("DELETE", "/provider-keys/{key_id}"): Case(
        foreign=Foreign(params={"key_id": "provider_key_id"}),
        gate=Gate("admin", params={"key_id": "provider_key_id"}),
    ),
    # MCP servers: owners and admins only, as the tenant's other secrets
    ("POST", "/mcp-servers"): Case(
        gate=Gate("admin", {"name": "member_srv", "url": "http://mcp.invalid/mcp"})
    ),
    ("GET", "/mcp-servers"): Case(gate=Gate("admin")),
    ("GET", "/mcp-servers/{server_id}"): Case(
        foreign=Foreign(params=MCP_SERVER), gate=Gate("admin", params=MCP_SERVER)
    ),
    ("GET", "/mcp-servers/{server_id}/tools"): Case(
        foreign=Foreign(params=MCP_SERVER), gate=Gate("admin", params=MCP_SERVER)
    ),
    ("PATCH", "/mcp-servers/{server_id}"): Case(
        foreign=Foreign({"enabled": False}, params=MCP_SERVER),
        gate=Gate("admin", {"enabled": False}, params=MCP_SERVER),
    ),
    ("DELETE", "/mcp-servers/{server_id}"): Case(
        foreign=Foreign(params=MCP_SERVER), gate=Gate("admin", params=MCP_SERVER)
    ),
    ("POST", "/mcp-servers/{server_id}/refresh"): Case(
        foreign=Foreign(params=MCP_SERVER), gate=Gate("admin", params=MCP_SERVER)
    ),
    # gateway
    ("POST", "/v1/chat/completions"): Case(
        # an assistant addressed as a model is looked up in the caller's tenant only
        foreign=Foreign(
            {"model": "assistant:{assistant_id}", "messages": [{"role": "user", "content": "x"}]}
        )
    ),
    ("GET", "/v1/models"): Case(exempt=GATEWAY),
    ("POST", "/v1/embeddings"): Case(exempt=GATEWAY),
    # assistants: members read all and change their own
    ("POST", "/assistants"): Case(exempt=TENANT_WIDE),
    ("POST", "/assistants/search"): Case(exempt=TENANT_WIDE),
    ("POST", "/assistants/count"): Case(exempt=TENANT_WIDE),
    ("GET", "/assistants/{assistant_id}"): Case(foreign=Foreign()),
    ("PATCH", "/assistants/{assistant_id}"): Case(
        foreign=Foreign({"name": "stolen"}),
        gate=Gate("admin", {"name": "changed by a member"}),
    ),
    ("DELETE", "/assistants/{assistant_id}"): Case(foreign=Foreign(), gate=Gate("admin")),
    ("POST", "/assistants/{assistant_id}/versions"): Case(foreign=Foreign({})),
    ("POST", "/assistants/{assistant_id}/latest"): Case(
        foreign=Foreign({"version": 1}), gate=Gate("admin", {"version": 1})
    ),
    ("GET", "/assistants/{assistant_id}/schemas"): Case(foreign=Foreign()),
    ("GET", "/assistants/{assistant_id}/graph"): Case(foreign=Foreign()),
    # knowledge bases: members read and search all, change their own (as assistants)
    ("POST", "/knowledge"): Case(exempt=TENANT_WIDE),
    ("GET", "/knowledge"): Case(exempt=TENANT_WIDE),
    ("GET", "/knowledge/{base_id}"): Case(foreign=Foreign()),
    ("PATCH", "/knowledge/{base_id}"): Case(
        foreign=Foreign({"name": "stolen"}), gate=Gate("admin", {"name": "changed by a member"})
    ),
    ("DELETE", "/knowledge/{base_id}"): Case(foreign=Foreign(), gate=Gate("admin")),
    ("POST", "/knowledge/{base_id}/files"): Case(foreign=Foreign(), gate=Gate("admin")),
    ("GET", "/knowledge/{base_id}/files"): Case(foreign=Foreign()),
    ("GET", "/knowledge/{base_id}/files/{file_id}"): Case(foreign=Foreign()),
    ("DELETE", "/knowledge/{base_id}/files/{file_id}"): Case(foreign=Foreign(), gate=Gate("admin")),
    ("GET", "/knowledge/{base_id}/files/{file_id}/content"): Case(foreign=Foreign()),
    ("POST", "/knowledge/{base_id}/files/{file_id}/retry"): Case(
        foreign=Foreign(), gate=Gate("admin")
    ),
    ("POST", "/knowledge/{base_id}/urls"): Case(
        foreign=Foreign({"url": "http://127.0.0.1:9/page"}),
        gate=Gate("admin", {"url": "http://127.0.0.1:9/page"}),
    ),
    ("POST", "/knowledge/{base_id}/search"): Case(foreign=Foreign({"query": "secret"})),
    # projects: as assistants (members read all, create, change their own)
    ("POST", "/projects"): Case(exempt=TENANT_WIDE),
    ("GET", "/projects"): Case(exempt=TENANT_WIDE),
    ("GET", "/projects/{project_id}"): Case(foreign=Foreign()),
    ("PATCH", "/projects/{project_id}"): Case(
        foreign=Foreign({"name": "stolen"}), gate=Gate("admin", {"name": "changed by a member"})
    ),
    ("DELETE", "/projects/{project_id}"): Case(foreign=Foreign(), gate=Gate("admin")),
    ("POST", "/threads/{thread_id}/files"): Case(foreign=Foreign()),
    ("GET", "/threads/{thread_id}/files"): Case(foreign=Foreign()),
    ("DELETE", "/threads/{thread_id}/files/{file_id}"): Case(foreign=Foreign()),
    # threads (members see their own only: tests/runs/test_thread_visibility.py)
    ("POST", "/threads"): Case(exempt=TENANT_WIDE),
    ("POST", "/threads/search"): Case(exempt=TENANT_WIDE),
    ("POST", "/threads/count"): Case(exempt=TENANT_WIDE),
    ("GET", "/threads/{thread_id}"): Case(foreign=Foreign()),
    ("PATCH", "/threads/{thread_id}"): Case(foreign=Foreign({"metadata": {"x": 1}})),
    ("DELETE", "/threads/{thread_id}"): Case(foreign=Foreign()),
    ("POST", "/threads/{thread_id}/copy"): Case(foreign=Foreign()),
    ("GET", "/threads/{thread_id}/state"): Case(foreign=Foreign()),
    ("POST", "/threads/{thread_id}/state"): Case(foreign=Foreign({"values": None})),
    ("POST", "/threads/{thread_id}/state/checkpoint"): Case(
        foreign=Foreign({"checkpoint": {"checkpoint_id": "{checkpoint_id}"}})
    ),
    ("GET", "/threads/{thread_id}/state/{checkpoint_id}"): Case(foreign=Foreign()),
    ("POST", "/threads/{thread_id}/history"): Case(foreign=Foreign({})),
    ("GET", "/threads/{thread_id}/stream"): Case(foreign=Foreign()),
    # share links: made by whoever sees the thread, opened by any member of its tenant
    ("POST", "/threads/{thread_id}/shares"): Case(foreign=Foreign()),
    ("GET", "/threads/{thread_id}/shares"): Case(foreign=Foreign()),
    ("DELETE", "/threads/{thread_id}/shares/{share_id}"): Case(foreign=Foreign()),
    ("GET", "/shares/{share_id}"): Case(foreign=Foreign()),
    # runs
    ("POST", "/threads/{thread_id}/runs"): Case(foreign=Foreign(RUN)),
    ("POST", "/threads/{thread_id}/runs/stream"): Case(foreign=Foreign(RUN)),
    ("POST", "/threads/{thread_id}/runs/wait"): Case(foreign=Foreign(RUN)),
    ("GET", "/threads/{thread_id}/runs"): Case(foreign=Foreign()),
    ("GET", "/threads/{thread_id}/runs/{run_id}"): Case(foreign=Foreign()),
    ("DELETE", "/threads/{thread_id}/runs/{run_id}"): Case(foreign=Foreign()),
    ("GET", "/threads/{thread_id}/runs/{run_id}/join"): Case(foreign=Foreign()),
    ("GET", "/threads/{thread_id}/runs/{run_id}/stream"): Case(foreign=Foreign()),
    ("POST", "/threads/{thread_id}/runs/{run_id}/cancel"): Case(foreign=Foreign()),
    ("POST", "/runs"): Case(exempt=STATELESS_RUN),
    ("POST", "/runs/batch"): Case(exempt=STATELESS_RUN),
    ("POST", "/runs/stream"): Case(exempt=STATELESS_RUN),
    ("POST", "/runs/wait"): Case(exempt=STATELESS_RUN),
    ("POST", "/runs/cancel"): Case(
        foreign=Foreign({"thread_id": "{thread_id}", "run_ids": ["{run_id}"]})
    ),
    # the web dashboard
    ("GET", "/sign-in"): Case(exempt=WEB_FORM),
    ("POST", "/sign-in"): Case(exempt=WEB_FORM),
    ("GET", "/register"): Case(exempt=WEB_FORM),
    ("POST", "/register"): Case(exempt=WEB_FORM),
    ("POST", "/sign-out"): Case(exempt=WEB_FORM),
    ("GET", "/forgot-password"): Case(exempt=WEB_FORM),
    ("POST", "/forgot-password"): Case(exempt=WEB_FORM),
    ("GET", "/reset-password"): Case(exempt=WEB_FORM),
    ("POST", "/reset-password"): Case(exempt=WEB_FORM),
    ("GET", "/invitations/accept"): Case(exempt=WEB_FORM),
    ("GET", "/verify-email"): Case(exempt=WEB_FORM),
    ("POST", "/invitations/join"): Case(
        exempt="a form over TenantService.accept_invitation: a secret token, never an id"
    ),
    ("POST", "/switch-tenant"): Case(
        exempt="a form over AuthService.switch_tenant, whose foreign case is /auth/switch-tenant"
    ),
    ("GET", "/"): Case(exempt=WEB_PAGE),
    ("GET", "/app/chat"): Case(exempt=WEB_PAGE),
    ("GET", "/app/assistants"): Case(exempt=WEB_PAGE),
    ("GET", "/app/projects"): Case(exempt=WEB_PAGE),
    ("GET", "/app/assistants/new"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/api-keys"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/members"): Case(exempt=WEB_PAGE),
    ("GET", "/app/admin"): Case(exempt=PLATFORM_PAGE),
    ("GET", "/app/admin/plans"): Case(exempt=PLATFORM_PAGE),
    ("GET", "/app/admin/usage"): Case(exempt=PLATFORM_PAGE),
    ("GET", "/app/settings/profile"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/provider-keys"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/mcp-servers"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/plan"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/usage"): Case(exempt=WEB_PAGE),
    ("GET", "/app/settings/audit"): Case(exempt=WEB_PAGE),
    ("GET", "/app/chat/{thread_id}"): Case(page=Page()),
    ("GET", "/app/chat/{thread_id}/messages"): Case(page=Page()),
    ("GET", "/app/chat/{thread_id}/fork-point"): Case(page=Page()),
    ("GET", "/app/chat/{thread_id}/export.md"): Case(page=Page()),
    ("GET", "/app/chat/{thread_id}/export.json"): Case(page=Page()),
    ("GET", "/app/chat/{thread_id}/files/{thread_file_id}/content"): Case(page=Page()),
    ("GET", "/app/assistants/{assistant_id}"): Case(page=Page()),
    ("GET", "/app/knowledge"): Case(exempt=WEB_PAGE),
    ("GET", "/app/knowledge/{base_id}"): Case(page=Page()),
    ("GET", "/app/shared/{share_id}"): Case(page=Page()),
    ("GET", "/app/projects/{project_id}"): Case(page=Page()),
}


def app_routes(data_dir: Path) -> set[Route]:
    """(method, path) of every route the app serves, HEAD aside. The app is only built
    (no lifespan, no database): its routes are all that is read."""
    url = make_url("postgresql+psycopg://unused@127.0.0.1:1/unused")
    settings = Settings(data_dir=data_dir, secret_key="route-matrix-" + "k" * 32)
    app = create_app(settings, DatabaseUrls(owner=url, app=url))
    routes = set()
    for route in iter_route_contexts(app.routes):
        assert route.path is not None, route
        for method in route.methods or ():
            if method != "HEAD":
                routes.add((method, route.path))
    return routes


def test_every_route_has_an_entry(tmp_path: Path) -> None:
    routes = app_routes(tmp_path)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes without a case or an exemption in MATRIX: {missing}"
    assert not stale, f"MATRIX names routes the app no longer has: {stale}"
    id_routes = {(m, p) for m, p in routes if "{" in p}
    for route in id_routes:
        case = MATRIX[route]
        assert case.foreign or case.page or (case.gate and case.gate.lowest == "platform"), (
            f"{route} takes an id: it needs a Foreign case"
        )


# --- the two tenants --------------------------------------------------------------------


@dataclass
class Tenant:
    owner: Account
    admin: Account
    member: Account
    ids: dict[str, str]


def join(owner: Account, mailbox: Mailbox, base_url: str, role: str) -> Account:
    email = unique_email(role)
    r = owner.api.post("/tenants/current/members", json={"email": email, "role": role})
    assert r.status_code == 201, r.text
    token = link_token(mailbox.wait_for(email, subject="invited"), "/invitations/accept")
    return register(base_url, email=email, invitation_token=token)


@pytest.fixture(scope="module")
def victim(base_url: str, mailbox: Mailbox, owner_dsn: str) -> Tenant:
    """A tenant with one of everything an id can name, and an admin and a member."""
    owner = gold(register(base_url))  # Gold: the victim stores a provider key (BYOK)
    admin = join(owner, mailbox, base_url, "admin")
    member = join(owner, mailbox, base_url, "member")
    key = owner.api.post("/api-keys", json={"name": "owner's key"})
    invitation = owner.api.post("/tenants/current/members", json={"email": unique_email("p")})
    provider_key = owner.api.post(
        "/provider-keys", json={"provider": "groq", "api_key": "gsk_victim_secret_0001"}
    )
    assistant = owner.api.post(
        "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
    )
    thread = owner.api.post("/threads", json={})
    for r in (key, invitation, provider_key, assistant, thread):
        assert r.status_code in (200, 201), r.text
    thread_id = thread.json()["thread_id"]
    share = owner.api.post(f"/threads/{thread_id}/shares")
    assert share.status_code == 201, share.text
    project = owner.api.post("/projects", json={"name": "victim's project"})
    assert project.status_code == 201, project.text
    base = owner.api.post(
        "/knowledge", json={"name": "victim's documents", "project_id": project.json()["id"]}
    )
    assert base.status_code == 201, base.text
    base_id = base.json()["id"]
    uploaded = owner.api.post(
        f"/knowledge/{base_id}/files",
        files=[("files", ("secret.txt", b"The vault code is 4711.", "text/plain"))],
    )
    assert uploaded.status_code == 202, uploaded.text
    file_id = uploaded.json()[0]["id"]
    attached = owner.api.post(
        f"/threads/{thread_id}/files",
        files=[("files", ("minutes.txt", b"The meeting is at noon.", "text/plain"))],
    )
    assert attached.status_code == 202, attached.text
    deadline = time.monotonic() + 120
    while owner.api.get(f"/knowledge/{base_id}/files/{file_id}").json()["status"] != "ready":
        assert time.monotonic() < deadline, "the victim's file was not ingested"
        time.sleep(0.2)
    waited = owner.api.post(
        f"/threads/{thread_id}/runs/wait",
        json={
            "assistant_id": assistant.json()["assistant_id"],
            "input": {"messages": [{"role": "user", "content": "hi"}]},
        },
    )
    assert waited.status_code == 200, waited.text
    run = owner.api.get(f"/threads/{thread_id}/runs").json()[0]
    # Stored as registration leaves it (registering needs a reachable MCP server: the
    # cases here are refused before any connection; tests/mcp_servers registers real ones).
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        mcp_server = conn.execute(
            "INSERT INTO mcp_servers (tenant_id, name, transport, url, tools)"
            " VALUES (%s, 'victim', 'http', 'http://mcp.invalid/mcp',"
            ' \'[{"name": "add", "description": "", "input_schema": {}}]\')'
            " RETURNING id",
            (owner.tenant_id,),
        ).fetchone()
    assert mcp_server is not None
    state = owner.api.get(f"/threads/{thread_id}/state").json()
    ids = {
        "tenant_id": owner.tenant_id,
        "user_id": member.user_id,
        "admin_user_id": admin.user_id,
        "key_id": key.json()["id"],
        "invitation_id": invitation.json()["id"],
        "provider_key_id": provider_key.json()["id"],
        "assistant_id": assistant.json()["assistant_id"],
        "thread_id": thread_id,
        "run_id": run["run_id"],
        "checkpoint_id": state["checkpoint"]["checkpoint_id"],
        "plan_id": "premium",
        "mcp_server_id": str(mcp_server[0]),
        "base_id": base_id,
        "file_id": file_id,
        "share_id": share.json()["id"],
        "project_id": project.json()["id"],
        "thread_file_id": attached.json()[0]["id"],
    }
    return Tenant(owner, admin, member, ids)


@pytest.fixture(scope="module")
def intruder(base_url: str) -> Api:
    """The owner of another tenant: its role passes every role check, so only the tenant
    boundary can stop it."""
    return register(base_url).api


# --- what "no row changed" means ----------------------------------------------------------


def tenant_rows(db: psycopg.Connection[Any], tenant: Tenant) -> dict[str, list[Any]]:
    """Every row the tenant owns: each table with a `tenant_id`, its tenants row, its
    checkpoints (keyed `<tenant>:<thread>`) and its members' users."""
    tid = tenant.ids["tenant_id"]
    tables = [
        row[0]
        for row in db.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1"
        )
    ]
    queries = {t: f"SELECT row_to_json(x)::text FROM {t} x WHERE tenant_id = %s" for t in tables}
    queries["tenants"] = "SELECT row_to_json(x)::text FROM tenants x WHERE id = %s"
    queries["users"] = (
        "SELECT row_to_json(x)::text FROM users x"
        " WHERE id IN (SELECT user_id FROM memberships WHERE tenant_id = %s)"
    )
    for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
        queries[table] = (
            f"SELECT row_to_json(x)::text FROM {table} x WHERE thread_id LIKE %s || ':%%'"
        )
    return {
        table: sorted(row[0] for row in db.execute(query, (tid,)))
        for table, query in queries.items()
    }


def settled(db: psycopg.Connection[Any], tenant: Tenant) -> dict[str, list[Any]]:
    """The tenant's rows once background writes (usage flushes) have landed."""
    before = tenant_rows(db, tenant)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.3)
        after = tenant_rows(db, tenant)
        if after == before:
            return after
        before = after
    raise AssertionError("the tenant's rows keep changing")


@contextmanager
def unchanged(db: psycopg.Connection[Any], victim: Tenant) -> Iterator[None]:
    before = settled(db, victim)
    yield
    after = tenant_rows(db, victim)
    changed = [t for t in before if before[t] != after[t]]
    assert not changed, f"rows of the victim tenant changed in {changed}"


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def call(
    api: Api, route: Route, ids: dict[str, str], body: Body, params: dict[str, str]
) -> httpx.Response:
    method, path = route
    named = {**ids, **{param: ids[source] for param, source in params.items()}}
    named["new_email"] = unique_email("matrix")
    response: httpx.Response = api.request(method, fill(path, named), json=fill(body, named))
    return response


def masked(response: httpx.Response, ids: dict[str, str]) -> Any:
    """The response body with the ids that were sent replaced by their names."""
    text = response.text
    for name, value in ids.items():
        text = text.replace(value, f"<{name}>")
    return json.loads(text)


# --- (a) another tenant's ids -------------------------------------------------------------

FOREIGN = sorted(route for route, case in MATRIX.items() if case.foreign)


@pytest.mark.parametrize("route", FOREIGN, ids=" ".join)
def test_foreign_ids_answer_404_and_change_nothing(
    route: Route, victim: Tenant, intruder: Api, db: psycopg.Connection[Any]
) -> None:
    case = MATRIX[route].foreign
    assert case is not None
    missing_ids = {k: str(uuid.uuid4()) for k in victim.ids}
    with unchanged(db, victim):
        foreign = call(intruder, route, victim.ids, case.body, case.params)
        missing = call(intruder, route, missing_ids, case.body, case.params)
    assert foreign.status_code == 404, foreign.text
    assert missing.status_code == 404, missing.text
    # the same answer as for an id that does not exist: nothing tells the two apart
    assert masked(foreign, victim.ids) == masked(missing, missing_ids)
    error = foreign.json()["error"]
    assert isinstance(error, dict) and error["message"], error


@pytest.fixture(scope="module")
def intruder_browser(base_url: str) -> Iterator[httpx.Client]:
    """A browser session (the dashboard's cookie) of another tenant's owner."""
    session = register(base_url).tokens["refresh_token"]
    with httpx.Client(base_url=base_url, cookies={"atrium_session": session}) as client:
        yield client


PAGES = sorted(route for route, case in MATRIX.items() if case.page)


@pytest.mark.parametrize("route", PAGES, ids=" ".join)
def test_foreign_ids_on_pages_answer_404(
    route: Route, victim: Tenant, intruder_browser: httpx.Client, db: psycopg.Connection[Any]
) -> None:
    method, path = route
    missing_ids = {k: str(uuid.uuid4()) for k in victim.ids}
    with unchanged(db, victim):
        foreign = intruder_browser.request(method, fill(path, victim.ids))
        missing = intruder_browser.request(method, fill(path, missing_ids))
    assert foreign.status_code == 404, foreign.text
    assert missing.status_code == 404, missing.text
    assert foreign.headers["content-type"].startswith("text/html")
    text, missing_text = foreign.text, missing.text
    for name in victim.ids:
        text = text.replace(victim.ids[name], f"<{name}>")
        missing_text = missing_text.replace(missing_ids[name], f"<{name}>")
    assert text == missing_text
    # The owner's own session opens the same page.
    own = httpx.get(
        f"{intruder_browser.base_url}{fill(path, victim.ids)}",
        cookies={"atrium_session": victim.owner.tokens["refresh_token"]},
    )
    assert own.status_code == 200, own.text


# --- (b) roles ----------------------------------------------------------------------------


def gated() -> list[Any]:
    """The gated routes, deletions last: a gate that fails to hold must not take away what
    the other cases need."""
    routes = sorted(
        (route for route, case in MATRIX.items() if case.gate),
        key=lambda route: (route[0] == "DELETE", route),
    )
    params = []
    for route in routes:
        gate = MATRIX[route].gate
        assert gate is not None
        marks = [pytest.mark.xfail(strict=True, reason=gate.known_gap)] if gate.known_gap else []
        params.append(pytest.param(route, id=" ".join(route), marks=marks))
    return params


@pytest.mark.parametrize("route", gated())
def test_roles_below_the_gate_get_403_and_change_nothing(
    route: Route, victim: Tenant, db: psycopg.Connection[Any]
) -> None:
    gate = MATRIX[route].gate
    assert gate is not None
    refused = {
        "admin": [victim.member],
        "owner": [victim.member, victim.admin],
        "platform": [victim.owner],
    }[gate.lowest]
    with unchanged(db, victim):
        for account in refused:
            r = call(account.api, route, victim.ids, gate.body, gate.params)
            assert r.status_code == 403, (account.email, r.status_code, r.text)
            assert r.json()["error"]["code"] == "forbidden", r.text
