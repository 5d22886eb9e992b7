"""Another tenant cannot list, search, read, download, upload into or cite a tenant's
documents: 404 over HTTP, and zero of its rows visible at the database level under the
other tenant's row-level security context."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import psycopg

from tests.inprocess import Accounts, Principal, assert_error
from tests.knowledge.support import ingested, make_base, upload

SECRET = b"The vault combination of the Geneva office is 4711-0815."


async def test_another_tenant_gets_404_everywhere_and_sees_no_rows(
    accounts: Accounts, owner: Principal, app_dsn: str
) -> None:
    base = await make_base(owner.http, "Private")
    [doc] = await ingested(owner.http, base["id"], [("vault.txt", SECRET)])
    thread = await owner.http.post("/threads", json={})
    thread_id = thread.json()["thread_id"]
    intruder = await accounts.tenant()
    b, f = base["id"], doc["id"]

    listed = await intruder.http.get("/knowledge")
    assert listed.status_code == 200 and listed.json()["items"] == []
    for method, path, body in [
        ("GET", f"/knowledge/{b}", None),
        ("PATCH", f"/knowledge/{b}", {"name": "mine"}),
        ("GET", f"/knowledge/{b}/files", None),
        ("GET", f"/knowledge/{b}/files/{f}", None),
        ("GET", f"/knowledge/{b}/files/{f}/content", None),
        ("POST", f"/knowledge/{b}/files/{f}/retry", None),
        ("POST", f"/knowledge/{b}/search", {"query": "vault combination"}),
        ("POST", f"/knowledge/{b}/urls", {"url": "http://example.com/"}),
        ("DELETE", f"/knowledge/{b}/files/{f}", None),
        ("GET", f"/threads/{thread_id}/files", None),
        ("DELETE", f"/threads/{thread_id}/files/{f}", None),
        ("DELETE", f"/knowledge/{b}", None),
    ]:
        r = await intruder.http.request(method, path, json=body)
        assert_error(r, 404, "not_found")
    assert_error(await upload(intruder.http, b, [("x.txt", b"mine now")]), 404, "not_found")
    r = await intruder.http.post(
        f"/threads/{thread_id}/files", files=[("files", ("x.txt", b"mine", "text/plain"))]
    )
    assert_error(r, 404, "not_found")

    # Citing: a run of the intruder's whose assistant names the victim's base retrieves
    # nothing (its bases are looked up under the intruder's RLS context).
    runtime = accounts._app.state.runtime
    retrieve = runtime.run_executor._retrieve
    caller = await runtime.tenant_service.plan_limits("basic")
    from atrium.providers.service import Caller

    as_intruder = Caller(
        tenant_id=uuid.UUID(intruder.tenant_id),
        user_id=uuid.UUID(intruder.user_id),
        api_key_id=None,
        allowed_models=caller.allowed_models,
        limits=caller,
        plan_id="basic",
    )
    found = await retrieve(as_intruder, (uuid.UUID(b),), uuid.UUID(thread_id), "vault combination")
    assert found == []
    as_owner = dataclasses.replace(as_intruder, tenant_id=uuid.UUID(owner.tenant_id))
    mine = await retrieve(as_owner, (uuid.UUID(b),), None, "vault combination")
    assert mine and mine[0]["file_id"] == f and "4711-0815" in mine[0]["text"]

    # The database: under the intruder's context no row of the victim's is visible, while
    # the victim's own context sees them (so the query would find them if RLS let it).
    def visible(tenant_id: str) -> dict[str, Any]:
        counts: dict[str, Any] = {}
        with psycopg.connect(app_dsn) as conn:
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant_id,))
            for table in ("knowledge_bases", "knowledge_files", "knowledge_chunks"):
                row = conn.execute(
                    f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (owner.tenant_id,)
                ).fetchone()
                assert row is not None
                counts[table] = row[0]
        return counts

    assert visible(intruder.tenant_id) == {
        "knowledge_bases": 0,
        "knowledge_files": 0,
        "knowledge_chunks": 0,
    }
    mine_counts = visible(owner.tenant_id)
    assert mine_counts["knowledge_bases"] == 1 and mine_counts["knowledge_files"] == 1
    assert mine_counts["knowledge_chunks"] >= 1

    # Still there, untouched.
    again = await owner.http.get(f"/knowledge/{b}/files/{f}")
    assert again.status_code == 200 and again.json()["status"] == "ready"
