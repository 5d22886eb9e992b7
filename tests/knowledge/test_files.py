"""Knowledge bases and files through the API: upload, ingestion status and progress,
failure and retry, download, deletion, search in each mode with filters."""

from __future__ import annotations

import uuid

from tests.inprocess import Accounts, Principal, assert_error
from tests.knowledge.support import ingested, make_base, search, settled, upload, upload_ok

GARDEN = (
    b"Tomatoes need at least six hours of direct sunlight a day and deep, infrequent "
    b"watering. Pinch the suckers that grow between the stem and the branches."
)
MARKDOWN = (
    b"# Billing\n\nInvoices are issued on the first business day of each month.\n\n"
    b"# Support\n\nThe help desk answers tickets within four working hours, weekdays only.\n"
)


async def test_text_and_markdown_are_ingested_and_found_in_every_mode(owner: Principal) -> None:
    base = await make_base(owner.http)
    assert base["embedding_model"] == "local/all-minilm-l6-v2" and base["dimensions"] == 384
    seen: list[str] = []
    made = await upload_ok(owner.http, base["id"], [("garden.txt", GARDEN), ("faq.md", MARKDOWN)])
    assert [f["status"] for f in made] == ["queued", "queued"]
    assert [f["name"] for f in made] == ["garden.txt", "faq.md"]
    first = await settled(owner.http, f"/knowledge/{base['id']}/files/{made[0]['id']}", seen=seen)
    assert seen[0] in ("queued", "parsing", "embedding") and seen[-1] == "ready", first["error"]
    assert first["kind"] == "text" and first["chunks_total"] == first["chunks_done"] >= 1
    second = await settled(owner.http, f"/knowledge/{base['id']}/files/{made[1]['id']}")
    assert second["status"] == "ready" and second["kind"] == "markdown"
    assert second["chunks_done"] == second["chunks_total"] == 2  # one chunk per heading

    for mode in ("hybrid", "vector", "keyword"):
        hits = await search(
            owner.http, base["id"], "how quickly does the help desk answer tickets", mode=mode
        )
        assert hits, mode
        top = hits[0]
        assert top["file_id"] == made[1]["id"] and top["file_name"] == "faq.md", (mode, hits)
        assert top["heading"] == "Support" and "four working hours" in top["snippet"]
        assert top["knowledge_base_id"] == base["id"] and top["chunk_index"] == 1
    hits = await search(owner.http, base["id"], "sunlight for tomato plants", mode="vector")
    assert hits[0]["file_name"] == "garden.txt"

    listed = await owner.http.get(f"/knowledge/{base['id']}/files")
    assert {f["id"] for f in listed.json()} == {made[0]["id"], made[1]["id"]}


async def test_filters_narrow_the_search(owner: Principal) -> None:
    base = await make_base(owner.http)
    [garden] = await ingested(owner.http, base["id"], [("g.txt", GARDEN)], metadata={"team": "a"})
    [faq] = await ingested(owner.http, base["id"], [("f.md", MARKDOWN)], metadata={"team": "b"})
    question = "tickets help desk invoices tomatoes sunlight"
    everything = await search(owner.http, base["id"], question, top_k=10)
    assert {h["file_id"] for h in everything} == {garden["id"], faq["id"]}
    by_meta = await search(owner.http, base["id"], question, filters={"metadata": {"team": "a"}})
    assert by_meta and {h["file_id"] for h in by_meta} == {garden["id"]}
    by_kind = await search(owner.http, base["id"], question, filters={"kinds": ["markdown"]})
    assert by_kind and {h["file_id"] for h in by_kind} == {faq["id"]}
    by_id = await search(
        owner.http, base["id"], question, mode="keyword", filters={"file_ids": [garden["id"]]}
    )
    assert by_id and {h["file_id"] for h in by_id} == {garden["id"]}


async def test_empty_file_fails_with_a_reason_and_can_be_retried(owner: Principal) -> None:
    base = await make_base(owner.http)
    [made] = await upload_ok(owner.http, base["id"], [("empty.txt", b"")])
    path = f"/knowledge/{base['id']}/files/{made['id']}"
    failed = await settled(owner.http, path)
    assert failed["status"] == "failed" and failed["error"] == "The file is empty"
    retried = await owner.http.post(f"{path}/retry")
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "queued" and retried.json()["error"] is None
    again = await settled(owner.http, path)
    assert again["status"] == "failed" and again["error"] == "The file is empty"
    [ok] = await ingested(owner.http, base["id"], [("ok.txt", GARDEN)])
    assert_error(
        await owner.http.post(f"/knowledge/{base['id']}/files/{ok['id']}/retry"), 409, "conflict"
    )


async def test_same_content_twice_is_stored_once(owner: Principal) -> None:
    base = await make_base(owner.http)
    [first] = await ingested(owner.http, base["id"], [("a.txt", GARDEN)])
    [again] = await upload_ok(owner.http, base["id"], [("renamed.txt", GARDEN)])
    assert again["id"] == first["id"] and again["name"] == "a.txt"
    listed = await owner.http.get(f"/knowledge/{base['id']}/files")
    assert len(listed.json()) == 1


async def test_download_is_an_attachment_with_a_safe_name(owner: Principal) -> None:
    base = await make_base(owner.http)
    [made] = await upload_ok(owner.http, base["id"], [("../../etc/passwd", GARDEN)])
    assert made["name"] == "../../etc/passwd"  # a display name, nothing more
    r = await owner.http.get(f"/knowledge/{base['id']}/files/{made['id']}/content")
    assert r.status_code == 200 and r.content == GARDEN
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="_.._etc_passwd"'


async def test_delete_file_and_base_remove_rows_and_objects(
    accounts: Accounts, owner: Principal
) -> None:
    from atrium.kit.storage import object_key

    store = accounts._app.state.runtime.file_store
    base = await make_base(owner.http)
    [one, two] = await ingested(owner.http, base["id"], [("1.txt", GARDEN), ("2.md", MARKDOWN)])
    tenant = uuid.UUID(owner.tenant_id)
    keys = [object_key(tenant, "knowledge", uuid.UUID(f["id"]).hex) for f in (one, two)]
    assert [await store.exists(k) for k in keys] == [True, True]
    r = await owner.http.delete(f"/knowledge/{base['id']}/files/{one['id']}")
    assert r.status_code == 204
    assert_error(
        await owner.http.get(f"/knowledge/{base['id']}/files/{one['id']}"), 404, "not_found"
    )
    hits = await search(owner.http, base["id"], "tomatoes sunlight tickets", top_k=50)
    assert {h["file_id"] for h in hits} == {two["id"]}
    r = await owner.http.delete(f"/knowledge/{base['id']}")
    assert r.status_code == 204
    assert_error(await owner.http.get(f"/knowledge/{base['id']}"), 404, "not_found")
    await accounts._app.state.runtime.background.drain()
    assert [await store.exists(k) for k in keys] == [False, False]


async def test_bad_uploads_are_refused_and_nothing_is_stored(
    accounts: Accounts, owner: Principal
) -> None:
    base = await make_base(owner.http)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    r = await upload(owner.http, base["id"], [("ok.txt", GARDEN), ("picture.txt", png)])
    assert_error(r, 415, "unsupported_type")
    listed = await owner.http.get(f"/knowledge/{base['id']}/files")
    assert listed.json() == []
    store_root = accounts._app.state.runtime.settings.data_dir / "files" / "tenants"
    assert not (store_root / owner.tenant_id).exists()
