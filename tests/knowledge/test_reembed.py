"""Changing a base's embedding model re-embeds its chunks in the background: searches keep
the old model's vectors until every chunk has a new one, then the base switches at once."""

from __future__ import annotations

import asyncio

import psycopg

from tests.inprocess import Accounts
from tests.knowledge.support import SETTLE_SECONDS, ingested, make_base, search

TEXT = b"The harbour master rings the bell twice when the fishing fleet returns at dusk."
NEW_MODEL = "openai/text-embedding-3-small"  # the test session's OpenAI fake


async def test_patching_the_model_reembeds_in_the_background(
    accounts: Accounts, owner_dsn: str
) -> None:
    owner = await accounts.premium(await accounts.tenant())  # every model allowed
    base = await make_base(owner.http)
    [doc] = await ingested(owner.http, base["id"], [("harbour.txt", TEXT)])
    r = await owner.http.patch(f"/knowledge/{base['id']}", json={"embedding_model": NEW_MODEL})
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["pending_model"] == NEW_MODEL
    assert patched["embedding_model"] == "local/all-minilm-l6-v2"  # until the job is done
    # Meanwhile searches answer (from the old vectors, never a mix).
    hits = await search(owner.http, base["id"], "bell for the returning fleet", mode="vector")
    assert hits and hits[0]["file_id"] == doc["id"]

    async with asyncio.timeout(SETTLE_SECONDS):
        while True:
            current = (await owner.http.get(f"/knowledge/{base['id']}")).json()
            if current["pending_model"] is None:
                break
            await asyncio.sleep(0.1)
    assert current["embedding_model"] == NEW_MODEL
    assert current["dimensions"] != base["dimensions"]  # the fake answers short vectors
    with psycopg.connect(owner_dsn) as db:
        rows = db.execute(
            "SELECT dims, vector_dims(embedding), next_embedding IS NULL FROM knowledge_chunks"
            " WHERE tenant_id = %s AND knowledge_base_id = %s",
            (owner.tenant_id, base["id"]),
        ).fetchall()
    assert rows and all(r == (current["dimensions"], current["dimensions"], True) for r in rows)
    hits = await search(owner.http, base["id"], "bell for the returning fleet", mode="vector")
    assert hits and hits[0]["file_id"] == doc["id"]
