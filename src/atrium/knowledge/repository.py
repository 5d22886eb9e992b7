"""SQL for knowledge bases, files and chunks (isolated by row-level security), and the
retrieval queries: exact and HNSW vector search, full-text search."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, Text, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from atrium.knowledge.models import FileStatus, KnowledgeBase, KnowledgeChunk, KnowledgeFile

# Dimensions with a partial HNSW index (migration 0009_knowledge).
INDEXED_DIMS = frozenset({384, 768, 1536})


@dataclass(frozen=True, slots=True)
class ChunkScope:
    """Which chunks a search reaches: some bases' chunks and/or one thread's, embedded at
    `dims`, optionally narrowed to files by id, kind or metadata."""

    tenant_id: uuid.UUID
    base_ids: Sequence[uuid.UUID] = ()
    thread_id: uuid.UUID | None = None
    dims: int = 384
    file_ids: Sequence[uuid.UUID] | None = None
    kinds: Sequence[str] | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    file_id: uuid.UUID
    file_name: str
    knowledge_base_id: uuid.UUID | None
    thread_id: uuid.UUID | None
    page: int | None
    chunk_index: int
    heading: str | None
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class BaseTotals:
    """What a base holds: its files, the chunks of its ready files, their stored bytes."""

    files: int = 0
    chunks: int = 0
    size_bytes: int = 0


def _scoped(stmt: Select[Any], scope: ChunkScope) -> Select[Any]:
    c = KnowledgeChunk
    owners: list[ColumnElement[bool]] = []
    if scope.base_ids:
        owners.append(c.knowledge_base_id.in_(list(scope.base_ids)))
    if scope.thread_id is not None:
        owners.append(c.thread_id == scope.thread_id)
    if not owners:
        owners.append(c.id.is_(None))  # nothing in scope
    stmt = stmt.where(c.tenant_id == scope.tenant_id, or_(*owners))
    if scope.file_ids is not None:
        stmt = stmt.where(c.file_id.in_(list(scope.file_ids)))
    if scope.kinds is not None or scope.metadata:
        stmt = stmt.where(
            c.file_id.in_(_file_filter(scope))  # files are few: a semi-join keeps it cheap
        )
    return stmt


def _file_filter(scope: ChunkScope) -> Select[Any]:
    f = KnowledgeFile
    stmt = select(f.id).where(f.tenant_id == scope.tenant_id)
    if scope.kinds is not None:
        stmt = stmt.where(f.kind.in_(list(scope.kinds)))
    if scope.metadata:
        stmt = stmt.where(f.metadata_.contains(scope.metadata))
    return stmt


def _hit_columns() -> Select[Any]:
    c, f = KnowledgeChunk, KnowledgeFile
    stmt = select(
        c.id,
        c.file_id,
        f.name,
        c.knowledge_base_id,
        c.thread_id,
        c.page,
        c.chunk_index,
        c.heading,
        c.text,
    ).join(f, (f.tenant_id == c.tenant_id) & (f.id == c.file_id))
    return cast(Select[Any], stmt)


def _rows(result: Any) -> list[ChunkRow]:
    return [
        ChunkRow(
            id=r[0],
            file_id=r[1],
            file_name=r[2],
            knowledge_base_id=r[3],
            thread_id=r[4],
            page=r[5],
            chunk_index=r[6],
            heading=r[7],
            text=r[8],
            score=float(r[9]),
        )
        for r in result
    ]


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


class KnowledgeRepository:
    # Bases.
    async def get_base(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, base_id: uuid.UUID, lock: bool = False
    ) -> KnowledgeBase | None:
        stmt = select(KnowledgeBase).where(
            KnowledgeBase.tenant_id == tenant_id, KnowledgeBase.id == base_id
        )
        if lock:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def bases(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> list[KnowledgeBase]:
        rows = await session.scalars(
            select(KnowledgeBase).where(
                KnowledgeBase.tenant_id == tenant_id, KnowledgeBase.id.in_(list(ids))
            )
        )
        return list(rows)

    async def base_embeddings(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, int]]:
        """Each base's embedding model and dimensions as committed now (a column query: the
        session's identity map may hold an older copy of the row)."""
        rows = await session.execute(
            select(KnowledgeBase.id, KnowledgeBase.embedding_model, KnowledgeBase.dimensions).where(
                KnowledgeBase.tenant_id == tenant_id, KnowledgeBase.id.in_(list(ids))
            )
        )
        return {row.id: (row.embedding_model, row.dimensions) for row in rows}

    async def list_bases(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        limit: int,
        offset: int,
        project_id: uuid.UUID | None = None,
    ) -> tuple[list[KnowledgeBase], int]:
        where = [KnowledgeBase.tenant_id == tenant_id]
        if project_id is not None:
            where.append(KnowledgeBase.project_id == project_id)
        total = await session.scalar(select(func.count()).select_from(KnowledgeBase).where(*where))
        rows = await session.scalars(
            select(KnowledgeBase)
            .where(*where)
            .order_by(KnowledgeBase.created_at.desc(), KnowledgeBase.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0

    async def base_totals(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, BaseTotals]:
        f = KnowledgeFile
        rows = await session.execute(
            select(
                f.knowledge_base_id,
                func.count(),
                func.coalesce(func.sum(f.chunks_total).filter(f.status == FileStatus.ready), 0),
                func.coalesce(func.sum(f.size_bytes), 0),
            )
            .where(f.tenant_id == tenant_id, f.knowledge_base_id.in_(list(ids)))
            .group_by(f.knowledge_base_id)
        )
        return {
            row[0]: BaseTotals(files=int(row[1]), chunks=int(row[2]), size_bytes=int(row[3]))
            for row in rows
            if row[0] is not None
        }

    async def add(self, session: AsyncSession, row: KnowledgeBase | KnowledgeFile) -> None:
        session.add(row)
        await session.flush()

    async def delete_base(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, base_id: uuid.UUID
    ) -> None:
        # Files and chunks go with it (ON DELETE CASCADE).
        await session.execute(
            delete(KnowledgeBase).where(
                KnowledgeBase.tenant_id == tenant_id, KnowledgeBase.id == base_id
            )
        )

    # Files.
    async def get_file(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        file_id: uuid.UUID,
        base_id: uuid.UUID | None = None,
        thread_id: uuid.UUID | None = None,
        lock: bool = False,
    ) -> KnowledgeFile | None:
        f = KnowledgeFile
        stmt = select(f).where(f.tenant_id == tenant_id, f.id == file_id)
        if base_id is not None:
            stmt = stmt.where(f.knowledge_base_id == base_id)
        if thread_id is not None:
            stmt = stmt.where(f.thread_id == thread_id)
        if lock:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def list_files(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        base_id: uuid.UUID | None = None,
        thread_id: uuid.UUID | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[KnowledgeFile]:
        f = KnowledgeFile
        stmt = select(f).where(f.tenant_id == tenant_id)
        if base_id is not None:
            stmt = stmt.where(f.knowledge_base_id == base_id)
        if thread_id is not None:
            stmt = stmt.where(f.thread_id == thread_id)
        rows = await session.scalars(stmt.order_by(f.created_at, f.id).limit(limit).offset(offset))
        return list(rows)

    async def find_same(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        sha256: str,
        base_id: uuid.UUID | None,
        thread_id: uuid.UUID | None,
    ) -> KnowledgeFile | None:
        f = KnowledgeFile
        stmt = select(f).where(f.tenant_id == tenant_id, f.sha256 == sha256)
        stmt = stmt.where(
            f.knowledge_base_id == base_id if base_id is not None else f.thread_id == thread_id
        )
        return await session.scalar(stmt.limit(1))

    async def stored_bytes(self, session: AsyncSession, *, tenant_id: uuid.UUID) -> int:
        """The tenant's stored bytes. Takes the tenant's storage lock until the transaction
        ends, so two uploads cannot both fit under the plan's limit that only one fits."""
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"knowledge-storage:{tenant_id}"},
        )
        total = await session.scalar(
            select(func.coalesce(func.sum(KnowledgeFile.size_bytes), 0)).where(
                KnowledgeFile.tenant_id == tenant_id
            )
        )
        return int(total or 0)

    async def storage_keys(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        base_id: uuid.UUID | None = None,
        thread_id: uuid.UUID | None = None,
    ) -> list[str]:
        f = KnowledgeFile
        stmt = select(f.storage_key).where(f.tenant_id == tenant_id)
        if base_id is not None:
            stmt = stmt.where(f.knowledge_base_id == base_id)
        if thread_id is not None:
            stmt = stmt.where(f.thread_id == thread_id)
        return list(await session.scalars(stmt))

    async def delete_file(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, file_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(KnowledgeFile).where(
                KnowledgeFile.tenant_id == tenant_id, KnowledgeFile.id == file_id
            )
        )

    async def set_progress(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        file_id: uuid.UUID,
        **values: Any,
    ) -> None:
        await session.execute(
            update(KnowledgeFile)
            .where(KnowledgeFile.tenant_id == tenant_id, KnowledgeFile.id == file_id)
            .values(**values, updated_at=func.now())
        )

    # Chunks.
    async def clear_chunks(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, file_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(KnowledgeChunk).where(
                KnowledgeChunk.tenant_id == tenant_id, KnowledgeChunk.file_id == file_id
            )
        )

    async def add_chunks(self, session: AsyncSession, chunks: list[KnowledgeChunk]) -> None:
        session.add_all(chunks)
        await session.flush()

    async def chunks_without_next(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, base_id: uuid.UUID, limit: int
    ) -> list[tuple[int, str, str | None]]:
        c = KnowledgeChunk
        rows = await session.execute(
            select(c.id, c.text, c.heading)
            .where(
                c.tenant_id == tenant_id,
                c.knowledge_base_id == base_id,
                c.next_embedding.is_(None),
            )
            .order_by(c.id)
            .limit(limit)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def set_next_embeddings(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, vectors: dict[int, list[float]]
    ) -> None:
        for chunk_id, vector in vectors.items():
            await session.execute(
                update(KnowledgeChunk)
                .where(KnowledgeChunk.tenant_id == tenant_id, KnowledgeChunk.id == chunk_id)
                .values(next_embedding=vector)
            )

    async def swap_embeddings(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, base_id: uuid.UUID, dims: int
    ) -> None:
        c = KnowledgeChunk
        await session.execute(
            update(c)
            .where(c.tenant_id == tenant_id, c.knowledge_base_id == base_id)
            .values(embedding=c.next_embedding, next_embedding=None, dims=dims)
        )

    async def clear_next_embeddings(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, base_id: uuid.UUID
    ) -> None:
        c = KnowledgeChunk
        await session.execute(
            update(c)
            .where(c.tenant_id == tenant_id, c.knowledge_base_id == base_id)
            .values(next_embedding=None)
        )

    async def thread_dims(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> int | None:
        """The size of the thread's chunks' vectors, or None when it has none."""
        c = KnowledgeChunk
        return await session.scalar(
            select(c.dims)
            .where(c.tenant_id == tenant_id, c.thread_id == thread_id, c.dims.is_not(None))
            .limit(1)
        )

    # Retrieval.
    async def count_candidates(self, session: AsyncSession, scope: ChunkScope) -> int:
        c = KnowledgeChunk
        stmt = _scoped(select(func.count()).select_from(c).where(c.dims == scope.dims), scope)
        return int(await session.scalar(stmt) or 0)

    async def vector_exact(
        self, session: AsyncSession, scope: ChunkScope, vector: Sequence[float], limit: int
    ) -> list[ChunkRow]:
        """Exact top-k: distance over every chunk in scope. The expression differs from the
        HNSW indexes' (`embedding::vector(n)`), so the planner cannot pick them."""
        c = KnowledgeChunk
        distance = c.embedding.cosine_distance(list(vector))
        stmt = _scoped(
            _hit_columns().add_columns((1 - distance).label("score")).where(c.dims == scope.dims),
            scope,
        ).order_by(distance, c.id)
        return _rows(await session.execute(stmt.limit(limit)))

    async def plan_each_search(self, session: AsyncSession) -> None:
        """Plan this transaction's searches for their own parameters. psycopg prepares a
        statement after five runs on a connection, and PostgreSQL's generic plan for the
        HNSW query (its tenant, base and vector unknown) skips the index: measured 13x slower
        (P50 478 ms against 38 ms at 100k chunks, benchmarks/retrieval.py)."""
        await session.execute(
            text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")
        )

    async def vector_hnsw(
        self,
        session: AsyncSession,
        scope: ChunkScope,
        vector: Sequence[float],
        limit: int,
        *,
        ef_search: int,
        iterative: bool,
    ) -> list[ChunkRow]:
        """Approximate top-k through the base's dimension's HNSW index (which filters after
        its scan: a raised `ef_search`, and iterative scans where pgvector has them)."""
        dims = int(scope.dims)
        await session.execute(
            text("SELECT set_config('hnsw.ef_search', :v, true)"), {"v": str(ef_search)}
        )
        if iterative:
            await session.execute(
                text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
            )
        cast = f"CAST(knowledge_chunks.embedding AS vector({dims}))"
        query = f"CAST(:qv AS vector({dims}))"
        distance = text(f"({cast} <=> {query})")
        stmt = _scoped(
            _hit_columns()
            .add_columns(text(f"1 - ({cast} <=> {query}) AS score"))
            .where(KnowledgeChunk.dims == dims),
            scope,
        ).order_by(distance)
        result = await session.execute(stmt.limit(limit), {"qv": _vector_literal(vector)})
        return _rows(result)

    async def keyword(
        self, session: AsyncSession, scope: ChunkScope, query: str, limit: int
    ) -> list[ChunkRow]:
        """Full-text matches ranked by cover density. Any of the query's words may match
        (a question rarely repeats a passage's every word)."""
        c = KnowledgeChunk
        tsquery = func.to_tsquery(
            "english",
            func.replace(func.plainto_tsquery("english", query).cast(Text()), "&", "|"),
        )
        rank = func.ts_rank_cd(c.tsv, tsquery)
        stmt = _scoped(
            _hit_columns().add_columns(rank.label("score")).where(c.tsv.op("@@")(tsquery)),
            scope,
        ).order_by(rank.desc(), c.id)
        return _rows(await session.execute(stmt.limit(limit)))

    async def vector_version(self, session: AsyncSession) -> tuple[int, ...]:
        version = await session.scalar(
            text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        )
        return tuple(int(p) for p in str(version or "0").split(".") if p.isdigit())


knowledge_repository = KnowledgeRepository()
