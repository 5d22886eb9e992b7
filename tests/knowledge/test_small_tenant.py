"""A tenant with a few hundred chunks next to tenants with many thousands gets the same
top-5 as an exact search, in vector and hybrid mode (HNSW filters after its scan, so the
small scope is searched exactly), while the large tenants' searches go through the HNSW
index. Vectors are synthetic, inserted with the owner's connection."""

from __future__ import annotations

import io
import uuid
from typing import Any

import numpy as np
import psycopg
import pytest

from atrium.knowledge.search import RRF_K
from tests.inprocess import Accounts, Principal
from tests.knowledge.support import search

WORDS = [
    "harbour",
    "lantern",
    "granite",
    "orchard",
    "violin",
    "glacier",
    "saddle",
    "ember",
    "quartz",
    "meadow",
    "falcon",
    "copper",
    "willow",
    "tide",
    "basalt",
    "thistle",
]
SMALL, LARGE, LARGE_TENANTS = 300, 4000, 2
MODEL = "local/all-minilm-l6-v2"


def _vec(v: np.ndarray[Any, Any]) -> str:
    return "[" + ",".join(f"{x:.6f}" for x in v) + "]"


def _fill(db: psycopg.Connection[Any], tenant_id: str, rows: int, rng: np.random.Generator) -> str:
    """A base with one file and `rows` chunks of random unit vectors; the base's id."""
    base_id, file_id = str(uuid.uuid4()), str(uuid.uuid4())
    db.execute(
        "INSERT INTO knowledge_bases (tenant_id, id, name, embedding_model, dimensions)"
        " VALUES (%s, %s, 'synthetic', %s, 384)",
        (tenant_id, base_id, MODEL),
    )
    db.execute(
        "INSERT INTO knowledge_files (tenant_id, id, knowledge_base_id, name, kind, size_bytes,"
        " sha256, storage_key, status, chunks_done, chunks_total)"
        " VALUES (%s, %s, %s, 'synthetic.txt', 'text', 0, %s, 'none', 'ready', %s, %s)",
        (tenant_id, file_id, base_id, uuid.uuid4().hex, rows, rows),
    )
    vectors = rng.normal(size=(rows, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    buffer = io.StringIO()
    for index, vector in enumerate(vectors):
        text = " ".join(rng.choice(WORDS, size=8))
        buffer.write(
            f"{tenant_id}\t{file_id}\t{base_id}\t{index}\t{text}\t8\t{_vec(vector)}\t384\n"
        )
    with db.cursor().copy(
        "COPY knowledge_chunks (tenant_id, file_id, knowledge_base_id, chunk_index, text,"
        " token_count, embedding, dims) FROM STDIN"
    ) as copy:
        copy.write(buffer.getvalue())
    return base_id


@pytest.fixture(scope="module")
async def tenants(accounts: Accounts, owner_dsn: str) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    small = await accounts.tenant()
    large = [await accounts.tenant() for _ in range(LARGE_TENANTS)]
    with psycopg.connect(owner_dsn, autocommit=True) as db:
        small_base = _fill(db, small.tenant_id, SMALL, rng)
        large_bases = [_fill(db, t.tenant_id, LARGE, rng) for t in large]
        db.execute("ANALYZE knowledge_chunks")
    return {"small": (small, small_base), "large": list(zip(large, large_bases, strict=True))}


async def _query_vector(accounts: Accounts, who: Principal, query: str) -> str:
    runtime = accounts._app.state.runtime
    retriever = runtime.knowledge_service._retriever
    caller = await retriever.caller(
        tenant_id=uuid.UUID(who.tenant_id), user_id=None, api_key_id=None, plan_id="basic"
    )
    [vector] = await retriever.embed(MODEL, [query], caller)
    return "[" + ",".join(repr(x) for x in vector) + "]"


def _exact(db: psycopg.Connection[Any], tenant: str, base: str, qv: str, k: int) -> list[int]:
    rows = db.execute(
        "SELECT chunk_index FROM knowledge_chunks WHERE tenant_id = %s AND knowledge_base_id = %s"
        " ORDER BY embedding <=> %s::vector, id LIMIT %s",
        (tenant, base, qv, k),
    ).fetchall()
    return [r[0] for r in rows]


def _keyword(db: psycopg.Connection[Any], tenant: str, base: str, q: str, k: int) -> list[int]:
    tsq = "to_tsquery('english', replace(plainto_tsquery('english', %s)::text, '&', '|'))"
    rows = db.execute(
        f"SELECT chunk_index FROM knowledge_chunks WHERE tenant_id = %s"
        f" AND knowledge_base_id = %s AND tsv @@ {tsq}"
        f" ORDER BY ts_rank_cd(tsv, {tsq}) DESC, id LIMIT %s",
        (tenant, base, q, q, k),
    ).fetchall()
    return [r[0] for r in rows]


QUERIES = ["granite harbour lantern", "a falcon above the glacier", "copper tide willow"]


async def test_small_tenant_gets_the_exact_top_5_in_vector_and_hybrid_mode(
    accounts: Accounts, tenants: dict[str, Any], owner_dsn: str
) -> None:
    small, base = tenants["small"]
    with psycopg.connect(owner_dsn, autocommit=True) as db:
        for query in QUERIES:
            qv = await _query_vector(accounts, small, query)
            hits = await search(small.http, base, query, mode="vector", top_k=5)
            assert [h["chunk_index"] for h in hits] == _exact(db, small.tenant_id, base, qv, 5)

            depth = 40  # the search's candidate depth for top_k 5 (max(4 * k, 40))
            fused: dict[int, float] = {}
            ranks: list[dict[int, int]] = []
            for ranked in (
                _exact(db, small.tenant_id, base, qv, depth),
                _keyword(db, small.tenant_id, base, query, depth),
            ):
                ranks.append({index: rank for rank, index in enumerate(ranked, start=1)})
                for rank, index in enumerate(ranked, start=1):
                    fused[index] = fused.get(index, 0.0) + 1.0 / (RRF_K + rank)
            hybrid = await search(small.http, base, query, mode="hybrid", top_k=5)
            got = [(h["chunk_index"], round(h["score"], 9)) for h in hybrid]
            # equal scores: the better vector rank first, then the better keyword rank, then
            # the chunk id (which follows chunk_index in this one-file base)
            unranked = depth + 1
            expected = sorted(
                fused.items(),
                key=lambda kv: (
                    -kv[1],
                    ranks[0].get(kv[0], unranked),
                    ranks[1].get(kv[0], unranked),
                    kv[0],
                ),
            )[:5]
            assert got == [(i, round(s, 9)) for i, s in expected]


async def test_large_tenants_search_through_the_hnsw_index(
    accounts: Accounts, tenants: dict[str, Any], owner_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    large, base = tenants["large"][0]
    qv = await _query_vector(accounts, large, QUERIES[0])
    with psycopg.connect(owner_dsn, autocommit=True) as db:
        plan = db.execute(
            "EXPLAIN SELECT id FROM knowledge_chunks WHERE tenant_id = %s"
            " AND knowledge_base_id = %s AND dims = 384"
            " ORDER BY embedding::vector(384) <=> %s::vector(384) LIMIT 5",
            (large.tenant_id, base, qv),
        ).fetchall()
        assert "knowledge_chunks_hnsw_384_idx" in "\n".join(r[0] for r in plan)
        exact = _exact(db, large.tenant_id, base, qv, 5)
    retriever = accounts._app.state.runtime.knowledge_service._retriever
    monkeypatch.setattr(retriever, "_exact_rows", 1000)  # 4000 chunks: the HNSW path
    hits = await search(large.http, base, QUERIES[0], mode="vector", top_k=5)
    assert len(hits) == 5
    # Approximate, but at this size with the raised ef_search it finds most of the exact top 5.
    assert len({h["chunk_index"] for h in hits} & set(exact)) >= 4
