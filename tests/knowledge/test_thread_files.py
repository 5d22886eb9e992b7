"""Files attached to one thread: uploaded, listed and deleted by whoever can see the thread,
searched by that thread's runs only; the `knowledge_search` tool answers numbered passages
and citations for the run's assistant's bases and thread files."""

from __future__ import annotations

import asyncio
import uuid

from atrium.agents.tools import ToolResult, ToolScope
from tests.inprocess import Accounts, Team, assert_error
from tests.knowledge.support import SETTLE_SECONDS, ingested, make_base

NOTES = b"Meeting notes: the launch of the Heron satellite moved to the fourteenth of June."
POLICY = b"Travel policy: economy class for flights shorter than six hours."


async def test_thread_files_are_searched_by_that_threads_runs_only(
    accounts: Accounts, team: Team
) -> None:
    owner = team.owner
    thread = (await owner.http.post("/threads", json={})).json()["thread_id"]
    other = (await owner.http.post("/threads", json={})).json()["thread_id"]
    r = await owner.http.post(
        f"/threads/{thread}/files", files=[("files", ("notes.txt", NOTES, "text/plain"))]
    )
    assert r.status_code == 202, r.text
    [made] = r.json()
    assert made["thread_id"] == thread and made["knowledge_base_id"] is None
    async with asyncio.timeout(SETTLE_SECONDS):
        while True:
            listed = (await owner.http.get(f"/threads/{thread}/files")).json()
            if listed[0]["status"] == "ready":
                break
            await asyncio.sleep(0.1)
    base = await make_base(owner.http)
    [policy] = await ingested(owner.http, base["id"], [("policy.txt", POLICY)])

    # A member does not see the owner's thread, so not its files either.
    assert_error(await team.member.http.get(f"/threads/{thread}/files"), 404, "not_found")

    sources = accounts._app.state.runtime.run_executor._tool_sources
    [knowledge] = [s for s in sources if type(s).__name__ == "KnowledgeTools"]

    async def ask(thread_id: str, query: str) -> ToolResult:
        scope = ToolScope(
            tenant_id=uuid.UUID(owner.tenant_id),
            user_id=uuid.UUID(owner.user_id),
            thread_id=uuid.UUID(thread_id),
            plan_id="premium",
            knowledge_bases=(uuid.UUID(base["id"]),),
            wanted=frozenset({"knowledge_search"}),
        )
        [tool] = await knowledge.tools(scope)
        assert tool.name == "knowledge_search"
        result = await tool.run({"query": query})
        assert isinstance(result, ToolResult)
        return result

    found = await ask(thread, "when will the satellite launch")
    assert found.text.startswith("[1] notes.txt (chunk 0): Meeting notes")
    assert found.artifact is not None
    first = found.artifact["citations"][0]
    assert (first["file_id"], first["thread_id"], first["chunk_index"]) == (made["id"], thread, 0)
    files = {c["file_id"] for c in found.artifact["citations"]}
    assert files == {made["id"], policy["id"]}  # the thread's file and the base's

    elsewhere = await ask(other, "when will the satellite launch")
    assert elsewhere.artifact is not None
    assert {c["file_id"] for c in elsewhere.artifact["citations"]} == {policy["id"]}

    r = await owner.http.delete(f"/threads/{thread}/files/{made['id']}")
    assert r.status_code == 204
    assert (await owner.http.get(f"/threads/{thread}/files")).json() == []
    after = await ask(thread, "when will the satellite launch")
    assert after.artifact is not None
    assert {c["file_id"] for c in after.artifact["citations"]} == {policy["id"]}


async def test_deleting_a_thread_removes_its_stored_files(accounts: Accounts, team: Team) -> None:
    """The files' rows go with the thread by cascade; their stored objects must go too, once
    the deletion commits, and only that thread's."""
    owner = team.owner
    root = accounts._app.state.runtime.settings.data_dir / "files" / "tenants" / owner.tenant_id

    def objects() -> set[str]:
        return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    kept_thread = (await owner.http.post("/threads", json={})).json()["thread_id"]
    gone_thread = (await owner.http.post("/threads", json={})).json()["thread_id"]
    before = objects()
    kept = await owner.http.post(
        f"/threads/{kept_thread}/files", files=[("files", ("kept.txt", POLICY, "text/plain"))]
    )
    assert kept.status_code == 202, kept.text
    with_kept = objects()
    gone = await owner.http.post(
        f"/threads/{gone_thread}/files", files=[("files", ("gone.txt", NOTES, "text/plain"))]
    )
    assert gone.status_code == 202, gone.text
    added = objects() - with_kept
    assert len(added) == 1 and len(with_kept - before) == 1

    deleted = await owner.http.delete(f"/threads/{gone_thread}")
    assert deleted.status_code == 204, deleted.text
    async with asyncio.timeout(SETTLE_SECONDS):
        while True:  # removed after the commit, in the background
            if not objects() & added:
                break
            await asyncio.sleep(0.05)
    assert objects() == with_kept
    listed = await owner.http.get(f"/threads/{kept_thread}/files")
    assert [f["name"] for f in listed.json()] == ["kept.txt"]
