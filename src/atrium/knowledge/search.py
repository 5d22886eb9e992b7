"""Retrieval over knowledge chunks: vector (exact or HNSW), keyword (full-text) and hybrid
(reciprocal rank fusion of the two), always inside the tenant's RLS transaction.

HNSW filters after its scan: a small tenant or base among large ones may get fewer (or
wrong) neighbours from the index. So the chunks in scope are counted first; a scope of at
most `exact_scan_rows` is scanned exactly (the exact top-k), a larger one goes through the
index with a raised `ef_search` (and iterative scans on pgvector >= 0.8), and falls back to
an exact scan whenever the index returns fewer than asked for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.kit.db import Database, set_tenant
from atrium.knowledge.repository import INDEXED_DIMS, ChunkRow, ChunkScope, knowledge_repository
from atrium.knowledge.schemas import SearchMode
from atrium.provider_keys.service import ProviderKeyService
from atrium.providers.service import Caller, ProviderService
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService

RRF_K = 60
SNIPPET_CHARS = 400


@dataclass(frozen=True, slots=True)
class Hit:
    file_id: uuid.UUID
    file_name: str
    knowledge_base_id: uuid.UUID | None
    thread_id: uuid.UUID | None
    page: int | None
    chunk_index: int
    heading: str | None
    score: float
    text: str

    @property
    def snippet(self) -> str:
        return self.text if len(self.text) <= SNIPPET_CHARS else self.text[:SNIPPET_CHARS] + "…"

    def citation(self) -> dict[str, Any]:
        return {
            "file_id": str(self.file_id),
            "file_name": self.file_name,
            "knowledge_base_id": str(self.knowledge_base_id) if self.knowledge_base_id else None,
            "thread_id": str(self.thread_id) if self.thread_id else None,
            "page": self.page,
            "chunk_index": self.chunk_index,
            "heading": self.heading,
            "score": self.score,
            "snippet": self.snippet,
        }


@dataclass(frozen=True, slots=True)
class Group:
    """Chunks embedded with one model: some bases' and/or a thread's."""

    model: str
    dims: int
    base_ids: tuple[uuid.UUID, ...] = ()
    thread_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    file_ids: Sequence[uuid.UUID] | None = None
    kinds: Sequence[str] | None = None
    metadata: dict[str, Any] | None = None


@dataclass(slots=True)
class _Fused:
    row: ChunkRow
    score: float = 0.0
    # The chunk's rank in each list it is in (by the list's position).
    ranks: dict[int, int] = field(default_factory=dict)


def _hit(row: ChunkRow, score: float) -> Hit:
    return Hit(
        file_id=row.file_id,
        file_name=row.file_name,
        knowledge_base_id=row.knowledge_base_id,
        thread_id=row.thread_id,
        page=row.page,
        chunk_index=row.chunk_index,
        heading=row.heading,
        score=score,
        text=row.text,
    )


def fuse(lists: Sequence[Sequence[ChunkRow]], top_k: int) -> list[Hit]:
    """Reciprocal rank fusion (k = 60): each list adds 1 / (k + rank) to a chunk's score.
    Equal scores (first in one list and second in the other, say) go to the chunk the
    first list (the vector search) ranks higher, not to whichever row id is smaller."""
    fused: dict[int, _Fused] = {}
    for position, rows in enumerate(lists):
        for rank, row in enumerate(rows, start=1):
            entry = fused.setdefault(row.id, _Fused(row))
            entry.score += 1.0 / (RRF_K + rank)
            entry.ranks.setdefault(position, rank)
    unranked = max((len(rows) for rows in lists), default=0) + 1
    ordered = sorted(
        fused.values(),
        key=lambda e: (-e.score, *(e.ranks.get(i, unranked) for i in range(len(lists))), e.row.id),
    )
    return [_hit(e.row, e.score) for e in ordered[:top_k]]


class KnowledgeRetriever:
    """Embeds queries and chunks through the provider layer (metered and budgeted like any
    model call) and runs the searches."""

    def __init__(
        self,
        *,
        db: Database,
        providers: ProviderService,
        tenant_service: TenantService,
        provider_key_service: ProviderKeyService,
        exact_scan_rows: int,
    ) -> None:
        self._db, self._providers = db, providers
        self._tenants, self._keys = tenant_service, provider_key_service
        self._exact_rows = exact_scan_rows
        self._vector_version: tuple[int, ...] | None = None
        self._dims: dict[str, int] = {}

    async def caller(
        self,
        *,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID | None,
        api_key_id: uuid.UUID | None,
        plan_id: str,
        assistant_id: uuid.UUID | None = None,
        request_id: str | None = None,
    ) -> Caller:
        limits = await self._tenants.plan_limits(plan_id)
        return Caller(
            tenant_id=tenant_id,
            user_id=user_id,
            api_key_id=api_key_id,
            allowed_models=limits.allowed_models,
            assistant_id=assistant_id,
            request_id=request_id,
            limits=limits,
            plan_id=plan_id,
        )

    async def caller_for(self, auth: AuthContext) -> Caller:
        return await self.caller(
            tenant_id=auth.tenant_id,
            user_id=auth.user_id,
            api_key_id=auth.api_key_id,
            plan_id=auth.plan_id,
        )

    def model_id(self, name: str, caller: Caller) -> str:
        """The catalog's id of an embedding model the caller's plan allows (404/403)."""
        return self._providers.resolve(name, caller)

    async def dimensions(self, model_id: str, caller: Caller) -> int:
        """The size of `model_id`'s vectors (one metered call the first time)."""
        if model_id not in self._dims:
            [vector] = await self.embed(model_id, ["dimensions"], caller)
            self._dims[model_id] = len(vector)
        return self._dims[model_id]

    async def embed(self, model: str, texts: list[str], caller: Caller) -> list[list[float]]:
        """Vectors for `texts` from `model`, with the tenant's own key where it has one
        (and its plan allows its own keys), else the platform's."""
        async with self._db.transaction(tenant_id=caller.tenant_id) as session:
            keys = await self._keys.tenant_keys(session=session, tenant_id=caller.tenant_id)
        if caller.limits is not None and not caller.limits.has(Feature.byok):
            keys = {}
        open_key = self._keys.open

        async def tenant_credentials(provider: str) -> Any:
            key = keys.get(provider)
            return open_key(key) if key is not None else None

        model_id = self._providers.resolve(model, caller)
        deployments = await self._providers.deployments(model_id, caller, tenant_credentials)
        result = await self._providers.embed(deployments, texts, caller)
        return result.vectors

    async def search(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        caller: Caller,
        groups: Sequence[Group],
        query: str,
        top_k: int,
        mode: SearchMode = SearchMode.hybrid,
        filters: Filters | None = None,
    ) -> list[Hit]:
        """The top `top_k` chunks for `query` across `groups`, in `session`'s transaction
        (scoped to the tenant).

        A base whose re-embedding finishes while the search runs switches model and
        dimensions between the caller's reading of the base and the chunk queries (each
        statement sees what is committed when it starts): the search then finds no chunk of
        the old dimensions. So the bases are read again afterwards, and a base that switched
        is searched once more with its new model."""
        await set_tenant(session, tenant_id)
        await knowledge_repository.plan_each_search(session)
        hits = await self._search(
            session, tenant_id, caller, groups, query, top_k, mode, filters or Filters()
        )
        current = await self._regroup(session, tenant_id, groups)
        if current is None:
            return hits
        return await self._search(
            session, tenant_id, caller, current, query, top_k, mode, filters or Filters()
        )

    async def _regroup(
        self, session: AsyncSession, tenant_id: uuid.UUID, groups: Sequence[Group]
    ) -> list[Group] | None:
        """The groups as the bases are now, or None when no base changed."""
        ids = [i for g in groups for i in g.base_ids]
        if not ids:
            return None
        now = await knowledge_repository.base_embeddings(session, tenant_id=tenant_id, ids=ids)
        if all(now.get(i) == (g.model, g.dims) for g in groups for i in g.base_ids):
            return None
        by_embedding: dict[tuple[str, int], list[uuid.UUID]] = {}
        for base_id, embedding in now.items():
            by_embedding.setdefault(embedding, []).append(base_id)
        return [
            *(Group(model=m, dims=d, base_ids=tuple(i)) for (m, d), i in by_embedding.items()),
            *(g for g in groups if g.thread_id is not None),
        ]

    async def _search(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        caller: Caller,
        groups: Sequence[Group],
        query: str,
        top_k: int,
        mode: SearchMode,
        filters: Filters,
    ) -> list[Hit]:
        depth = max(top_k * 4, 40)
        vector_lists: list[list[ChunkRow]] = []
        keyword_lists: list[list[ChunkRow]] = []
        for group in groups:
            scope = ChunkScope(
                tenant_id=tenant_id,
                base_ids=group.base_ids,
                thread_id=group.thread_id,
                dims=group.dims,
                file_ids=filters.file_ids,
                kinds=filters.kinds,
                metadata=filters.metadata,
            )
            if mode != SearchMode.keyword:
                [vector] = await self.embed(group.model, [query], caller)
                limit = top_k if mode == SearchMode.vector else depth
                vector_lists.append(await self._vector(session, scope, vector, limit))
            if mode != SearchMode.vector:
                limit = top_k if mode == SearchMode.keyword else depth
                keyword_lists.append(
                    await knowledge_repository.keyword(
                        session, replace(scope, dims=group.dims), query, limit
                    )
                )
        if mode == SearchMode.vector:
            return _merge_scored(vector_lists, top_k)
        if mode == SearchMode.keyword:
            return _merge_scored(keyword_lists, top_k)
        return fuse([_flatten(vector_lists), _flatten(keyword_lists)], top_k)

    async def _vector(
        self, session: AsyncSession, scope: ChunkScope, vector: list[float], limit: int
    ) -> list[ChunkRow]:
        if scope.dims not in INDEXED_DIMS:
            return await knowledge_repository.vector_exact(session, scope, vector, limit)
        candidates = await knowledge_repository.count_candidates(session, scope)
        if candidates <= self._exact_rows:
            return await knowledge_repository.vector_exact(session, scope, vector, limit)
        if self._vector_version is None:
            self._vector_version = await knowledge_repository.vector_version(session)
        rows = await knowledge_repository.vector_hnsw(
            session,
            scope,
            vector,
            limit,
            ef_search=min(1000, max(400, limit * 20)),
            iterative=self._vector_version >= (0, 8),
        )
        if len(rows) < min(limit, candidates):
            return await knowledge_repository.vector_exact(session, scope, vector, limit)
        return rows


def _flatten(lists: list[list[ChunkRow]]) -> list[ChunkRow]:
    if len(lists) == 1:
        return lists[0]
    return sorted((r for rows in lists for r in rows), key=lambda r: (-r.score, r.id))


def _merge_scored(lists: list[list[ChunkRow]], top_k: int) -> list[Hit]:
    return [_hit(r, r.score) for r in _flatten(lists)[:top_k]]
