"""Two tenants side by side: every endpoint that takes an id, given the other tenant's ids,
answers 404 exactly like a missing id, and changes nothing."""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg

from tests.support import Account, Mailbox, gold, register, unique_email

TENANT_TABLES = (
    "tenants",
    "memberships",
    "invitations",
    "api_keys",
    "refresh_tokens",
    "audit_log",
    "provider_keys",
    "assistants",
    "assistant_versions",
    "threads",
    "runs",
    "run_events",
    "knowledge_bases",
    "knowledge_files",
    "knowledge_chunks",
    "mcp_servers",
    "thread_shares",
    "projects",
)


def snapshot(db: psycopg.Connection[Any], tenant_id: str) -> dict[str, list[Any]]:
    out = {}
    for table in TENANT_TABLES:
        column = "id" if table == "tenants" else "tenant_id"
        rows = db.execute(
            f"SELECT row_to_json(t)::text FROM {table} t WHERE {column} = %s ORDER BY 1",
            (tenant_id,),
        ).fetchall()
        out[table] = rows
    return out


def populated_tenant(base_url: str, mailbox: Mailbox) -> tuple[Account, dict[str, str]]:
    owner = register(base_url)
    key = owner.api.post("/api-keys", json={"name": "b-key"}).json()
    member_email = unique_email("bm")
    owner.api.post("/tenants/current/members", json={"email": member_email})
    from tests.support import link_token

    token = link_token(mailbox.wait_for(member_email, subject="invited"), "/invitations/accept")
    member = register(base_url, email=member_email, invitation_token=token)
    pending = owner.api.post("/tenants/current/members", json={"email": unique_email("bp")}).json()
    gold(owner)  # storing a provider key (BYOK) is a Gold feature
    provider_key = owner.api.post(
        "/provider-keys", json={"provider": "groq", "api_key": "gsk_b_tenant_secret_0001"}
    ).json()
    assistant = owner.api.post(
        "/assistants", json={"graph_id": "agent", "context": {"model": "scripted/fast"}}
    ).json()
    thread = owner.api.post("/threads", json={}).json()
    share = owner.api.post(f"/threads/{thread['thread_id']}/shares").json()
    project = owner.api.post("/projects", json={"name": "b's project"}).json()
    base = owner.api.post(
        "/knowledge", json={"name": "b's documents", "project_id": project["id"]}
    ).json()
    [file] = owner.api.post(
        f"/knowledge/{base['id']}/files",
        files=[("files", ("b.txt", b"b tenant's secret document", "text/plain"))],
    ).json()
    deadline = time.monotonic() + 120  # ingested before the snapshot, so nothing moves
    while owner.api.get(f"/knowledge/{base['id']}/files/{file['id']}").json()["status"] != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    waited = owner.api.post(
        f"/threads/{thread['thread_id']}/runs/wait",
        json={
            "assistant_id": assistant["assistant_id"],
            "input": {"messages": [{"role": "user", "content": "hi"}]},
        },
    )
    assert waited.status_code == 200, waited.text
    run = owner.api.get(f"/threads/{thread['thread_id']}/runs").json()[0]
    state = owner.api.get(f"/threads/{thread['thread_id']}/state").json()
    ids = {
        "user_id": member.user_id,
        "key_id": key["id"],
        "invitation_id": pending["id"],
        "provider_key_id": provider_key["id"],
        "assistant_id": assistant["assistant_id"],
        "thread_id": thread["thread_id"],
        "run_id": run["run_id"],
        "checkpoint_id": state["checkpoint"]["checkpoint_id"],
        "base_id": base["id"],
        "file_id": file["id"],
        "share_id": share["id"],
        "project_id": project["id"],
    }
    return owner, ids


# Routes under /admin act across tenants by design; they are platform-admin only and
# tested in tests/tenants (a tenant's credential gets 403 there).
PLATFORM_ROUTES = {("PATCH", "/admin/tenants/{tenant_id}"), ("PATCH", "/admin/plans/{plan_id}")}


def attempts(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, route template, concrete path, body) for every route that takes an id."""
    a, t, r, c = ids["assistant_id"], ids["thread_id"], ids["run_id"], ids["checkpoint_id"]
    run_body = {"assistant_id": "agent", "input": {"messages": []}}
    out: list[tuple[str, str, str, dict[str, Any] | None]] = [
        (
            "PATCH",
            "/tenants/current/members/{user_id}",
            f"/tenants/current/members/{ids['user_id']}",
            {"role": "admin"},
        ),
        (
            "DELETE",
            "/tenants/current/members/{user_id}",
            f"/tenants/current/members/{ids['user_id']}",
            None,
        ),
        ("DELETE", "/api-keys/{key_id}", f"/api-keys/{ids['key_id']}", None),
        (
            "PUT",
            "/api-keys/{key_id}/limits",
            f"/api-keys/{ids['key_id']}/limits",
            {"requests_per_minute": 1},
        ),
        (
            "PUT",
            "/tenants/current/members/{user_id}/limits",
            f"/tenants/current/members/{ids['user_id']}/limits",
            {"requests_per_minute": 1},
        ),
        (
            "DELETE",
            "/tenants/current/invitations/{invitation_id}",
            f"/tenants/current/invitations/{ids['invitation_id']}",
            None,
        ),
        ("DELETE", "/provider-keys/{key_id}", f"/provider-keys/{ids['provider_key_id']}", None),
        ("GET", "/assistants/{assistant_id}", f"/assistants/{a}", None),
        ("PATCH", "/assistants/{assistant_id}", f"/assistants/{a}", {"name": "stolen"}),
        ("DELETE", "/assistants/{assistant_id}", f"/assistants/{a}", None),
        ("POST", "/assistants/{assistant_id}/versions", f"/assistants/{a}/versions", {}),
        ("POST", "/assistants/{assistant_id}/latest", f"/assistants/{a}/latest", {"version": 1}),
        ("GET", "/assistants/{assistant_id}/schemas", f"/assistants/{a}/schemas", None),
        ("GET", "/assistants/{assistant_id}/graph", f"/assistants/{a}/graph", None),
        ("GET", "/threads/{thread_id}", f"/threads/{t}", None),
        ("PATCH", "/threads/{thread_id}", f"/threads/{t}", {"metadata": {"x": 1}}),
        ("DELETE", "/threads/{thread_id}", f"/threads/{t}", None),
        ("POST", "/threads/{thread_id}/copy", f"/threads/{t}/copy", None),
        ("GET", "/threads/{thread_id}/state", f"/threads/{t}/state", None),
        ("POST", "/threads/{thread_id}/state", f"/threads/{t}/state", {"values": None}),
        (
            "POST",
            "/threads/{thread_id}/state/checkpoint",
            f"/threads/{t}/state/checkpoint",
            {"checkpoint": {"checkpoint_id": c}},
        ),
        ("GET", "/threads/{thread_id}/state/{checkpoint_id}", f"/threads/{t}/state/{c}", None),
        ("POST", "/threads/{thread_id}/history", f"/threads/{t}/history", {}),
        ("POST", "/threads/{thread_id}/runs", f"/threads/{t}/runs", run_body),
        ("POST", "/threads/{thread_id}/runs/stream", f"/threads/{t}/runs/stream", run_body),
        ("POST", "/threads/{thread_id}/runs/wait", f"/threads/{t}/runs/wait", run_body),
        ("GET", "/threads/{thread_id}/runs", f"/threads/{t}/runs", None),
        ("GET", "/threads/{thread_id}/runs/{run_id}", f"/threads/{t}/runs/{r}", None),
        ("DELETE", "/threads/{thread_id}/runs/{run_id}", f"/threads/{t}/runs/{r}", None),
        ("GET", "/threads/{thread_id}/runs/{run_id}/join", f"/threads/{t}/runs/{r}/join", None),
        ("GET", "/threads/{thread_id}/runs/{run_id}/stream", f"/threads/{t}/runs/{r}/stream", None),
        (
            "POST",
            "/threads/{thread_id}/runs/{run_id}/cancel",
            f"/threads/{t}/runs/{r}/cancel",
            None,
        ),
        ("GET", "/threads/{thread_id}/stream", f"/threads/{t}/stream", None),
        ("POST", "/threads/{thread_id}/shares", f"/threads/{t}/shares", None),
        ("GET", "/threads/{thread_id}/shares", f"/threads/{t}/shares", None),
        (
            "DELETE",
            "/threads/{thread_id}/shares/{share_id}",
            f"/threads/{t}/shares/{ids['share_id']}",
            None,
        ),
        ("GET", "/shares/{share_id}", f"/shares/{ids['share_id']}", None),
        *_knowledge(ids),
        *_mcp_servers(ids),
        *_projects(ids),
    ]
    return out


def _mcp_servers(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    m, one = ids["mcp_server_id"], "/mcp-servers/{server_id}"
    return [
        ("GET", one, f"/mcp-servers/{m}", None),
        ("PATCH", one, f"/mcp-servers/{m}", {"enabled": False}),
        ("DELETE", one, f"/mcp-servers/{m}", None),
        ("GET", one + "/tools", f"/mcp-servers/{m}/tools", None),
        ("POST", one + "/refresh", f"/mcp-servers/{m}/refresh", None),
    ]


def _projects(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    p, one = ids["project_id"], "/projects/{project_id}"
    return [
        ("GET", one, f"/projects/{p}", None),
        ("PATCH", one, f"/projects/{p}", {"name": "stolen"}),
        ("DELETE", one, f"/projects/{p}", None),
    ]


def _with_mcp_server(db: psycopg.Connection[Any], tenant_id: str) -> str:
    """An MCP server row as registration leaves it (registering needs a reachable server;
    every attempt here is refused before any connection)."""
    row = db.execute(
        "INSERT INTO mcp_servers (tenant_id, name, transport, url, tools)"
        " VALUES (%s, 'b_tools', 'http', 'http://mcp.invalid/mcp',"
        ' \'[{"name": "add", "description": "", "input_schema": {}}]\')'
        " RETURNING id",
        (tenant_id,),
    ).fetchone()
    db.commit()
    assert row is not None
    return str(row[0])


def _knowledge(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    b, f, t = ids["base_id"], ids["file_id"], ids["thread_id"]
    kb, kf = "/knowledge/{base_id}", "/knowledge/{base_id}/files/{file_id}"
    return [
        ("GET", kb, f"/knowledge/{b}", None),
        ("PATCH", kb, f"/knowledge/{b}", {"name": "stolen"}),
        ("DELETE", kb, f"/knowledge/{b}", None),
        ("POST", kb + "/files", f"/knowledge/{b}/files", None),
        ("GET", kb + "/files", f"/knowledge/{b}/files", None),
        ("GET", kf, f"/knowledge/{b}/files/{f}", None),
        ("DELETE", kf, f"/knowledge/{b}/files/{f}", None),
        ("GET", kf + "/content", f"/knowledge/{b}/files/{f}/content", None),
        ("POST", kf + "/retry", f"/knowledge/{b}/files/{f}/retry", None),
        ("POST", kb + "/urls", f"/knowledge/{b}/urls", {"url": "http://127.0.0.1:9/"}),
        ("POST", kb + "/search", f"/knowledge/{b}/search", {"query": "secret"}),
        ("POST", "/threads/{thread_id}/files", f"/threads/{t}/files", None),
        ("GET", "/threads/{thread_id}/files", f"/threads/{t}/files", None),
        (
            "DELETE",
            "/threads/{thread_id}/files/{file_id}",
            f"/threads/{t}/files/{f}",
            None,
        ),
    ]


def test_foreign_ids_answer_404_and_change_nothing(
    base_url: str, mailbox: Mailbox, db: psycopg.Connection[Any]
) -> None:
    a = register(base_url)
    b, b_ids = populated_tenant(base_url, mailbox)
    b_ids["mcp_server_id"] = _with_mcp_server(db, b.tenant_id)
    before = snapshot(db, b.tenant_id)
    missing = {k: str(uuid.uuid4()) for k in b_ids}
    missing["checkpoint_id"] = b_ids["checkpoint_id"]

    covered = set()
    for (method, template, path, body), (_, _, missing_path, _) in zip(
        attempts(b_ids), attempts(missing), strict=True
    ):
        foreign = a.api.request(method, path, json=body)
        absent = a.api.request(method, missing_path, json=body)
        assert foreign.status_code == 404, (method, path, foreign.text)
        assert absent.status_code == 404
        assert foreign.json() == absent.json()
        covered.add((method, template))

    # switching into, or signing in to, the other tenant
    assert a.api.post("/auth/switch-tenant", json={"tenant_id": b.tenant_id}).status_code == 404
    assert snapshot(db, b.tenant_id) == before

    # every route with an id in its path is covered above
    spec = a.api.get("/openapi.json").json()
    id_routes = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        if "{" in path
        for method in ops
    }
    assert id_routes == covered | PLATFORM_ROUTES, id_routes ^ (covered | PLATFORM_ROUTES)
    for method, template in PLATFORM_ROUTES:
        path = template.replace("{tenant_id}", b.tenant_id).replace("{plan_id}", "basic")
        r = a.api.request(method, path, json={})
        assert r.status_code == 403


def test_lists_never_show_the_other_tenant(base_url: str, mailbox: Mailbox) -> None:
    a = register(base_url)
    b, b_ids = populated_tenant(base_url, mailbox)
    a.api.post("/api-keys", json={"name": "a-key"})
    keys = a.api.get("/api-keys").json()["items"]
    assert b_ids["key_id"] not in {k["id"] for k in keys}
    members = a.api.get("/tenants/current/members").json()["items"]
    assert {m["user_id"] for m in members} == {a.user_id}
    assert a.api.get("/tenants/current/invitations").json() == []
    log = a.api.get("/tenants/current/audit-log").json()["items"]
    assert log and all(e["actor_user_id"] in (a.user_id, None) for e in log)
    assert b.api.get("/tenants/current").json()["id"] == b.tenant_id
