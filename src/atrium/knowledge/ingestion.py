"""Ingestion jobs: parse, chunk and embed one file; re-embed a base after its model
changed. They run on the run queue's workers (see tasks.py), each step in its own short
transaction scoped to the job's tenant, so progress is visible while a file is embedded."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.db import Database
from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger
from atrium.kit.models import utcnow
from atrium.kit.storage import FileStore
from atrium.knowledge.chunking import Chunker
from atrium.knowledge.models import FileStatus, KnowledgeChunk
from atrium.knowledge.parsing import ParsedDocument, ParseLimits, UnreadableDocument, parse
from atrium.knowledge.repository import knowledge_repository
from atrium.knowledge.search import KnowledgeRetriever
from atrium.tenants.service import TenantService

_log = get_logger("atrium.knowledge.ingestion")

EMBED_BATCH = 32


class Ingestion:
    def __init__(
        self,
        *,
        db: Database,
        store: FileStore,
        retriever: KnowledgeRetriever,
        tenant_service: TenantService,
        chunker: Chunker,
        default_model: str,
        limits: ParseLimits,
    ) -> None:
        self._db, self._store, self._retriever = db, store, retriever
        self._tenants, self._chunker = tenant_service, chunker
        self._default_model, self._limits = default_model, limits

    async def ingest(self, tenant_id: uuid.UUID, file_id: uuid.UUID) -> None:
        """Parse, chunk and embed one file (the queue's job). Any failure ends in `failed`
        with a reason a person can act on; the job itself succeeds."""
        try:
            await self._ingest(tenant_id, file_id)
        except Exception as exc:
            if isinstance(exc, AtriumError):
                reason = exc.message
            else:
                _log.exception("knowledge_ingest_failed", file_id=str(file_id))
                reason = "An internal error occurred while processing the file"
            async with self._db.transaction(tenant_id=tenant_id) as session:
                await knowledge_repository.set_progress(
                    session,
                    tenant_id=tenant_id,
                    file_id=file_id,
                    status=FileStatus.failed,
                    error=reason,
                )

    async def _ingest(self, tenant_id: uuid.UUID, file_id: uuid.UUID) -> None:
        async with self._db.transaction(tenant_id=tenant_id) as session:
            row = await knowledge_repository.get_file(
                session, tenant_id=tenant_id, file_id=file_id, lock=True
            )
            if row is None or row.status != FileStatus.queued:
                return  # deleted meanwhile, or a duplicate job
            row.status = FileStatus.parsing
            tenant = await self._tenants.get_for_worker(session=session, tenant_id=tenant_id)
            user_id, plan_id, key, name = row.created_by, tenant.plan_id, row.storage_key, row.name
            base_id, thread_id = row.knowledge_base_id, row.thread_id
            model = self._default_model
            if base_id is not None:
                base = await knowledge_repository.get_base(
                    session, tenant_id=tenant_id, base_id=base_id
                )
                assert base is not None
                model = base.embedding_model
        data = await self._store.get(key)
        if not data:
            raise UnreadableDocument("The file is empty")
        document: ParsedDocument = await asyncio.to_thread(
            parse, data, filename=name, limits=self._limits
        )
        chunks = await asyncio.to_thread(self._chunker.chunk, document)
        if not chunks:
            raise UnreadableDocument("No text could be extracted from the file")
        async with self._db.transaction(tenant_id=tenant_id) as session:
            await knowledge_repository.clear_chunks(session, tenant_id=tenant_id, file_id=file_id)
            await knowledge_repository.set_progress(
                session,
                tenant_id=tenant_id,
                file_id=file_id,
                status=FileStatus.embedding,
                kind=str(document.kind),
                pages=document.pages,
                chunks_total=len(chunks),
                chunks_done=0,
            )
        caller = await self._retriever.caller(
            tenant_id=tenant_id, user_id=user_id, api_key_id=None, plan_id=plan_id
        )
        done = 0
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            vectors = await self._retriever.embed(
                model, [_embed_text(c.text, c.heading) for c in batch], caller
            )
            async with self._db.transaction(tenant_id=tenant_id) as session:
                if not await self._still_current(session, tenant_id, file_id, base_id, model):
                    return
                await knowledge_repository.add_chunks(
                    session,
                    [
                        KnowledgeChunk(
                            tenant_id=tenant_id,
                            file_id=file_id,
                            knowledge_base_id=base_id,
                            thread_id=thread_id,
                            chunk_index=c.index,
                            text=c.text,
                            page=c.page,
                            heading=c.heading,
                            token_count=c.token_count,
                            embedding=v,
                            dims=len(v),
                        )
                        for c, v in zip(batch, vectors, strict=True)
                    ],
                )
                done += len(batch)
                await knowledge_repository.set_progress(
                    session, tenant_id=tenant_id, file_id=file_id, chunks_done=done
                )
        async with self._db.transaction(tenant_id=tenant_id) as session:
            await knowledge_repository.set_progress(
                session, tenant_id=tenant_id, file_id=file_id, status=FileStatus.ready
            )

    async def _still_current(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        file_id: uuid.UUID,
        base_id: uuid.UUID | None,
        model: str,
    ) -> bool:
        """The file still exists and its base still uses `model` (else a re-embedding
        started meanwhile: start over so no chunk carries the old model's vector)."""
        row = await knowledge_repository.get_file(
            session, tenant_id=tenant_id, file_id=file_id, lock=True
        )
        if row is None:
            return False
        if base_id is None:
            return True
        base = await knowledge_repository.get_base(
            session, tenant_id=tenant_id, base_id=base_id, lock=True
        )
        if base is None:
            return False
        if base.embedding_model != model:
            raise UnreadableDocument("The base's embedding model changed; retry the file")
        return True

    async def reembed(self, tenant_id: uuid.UUID, base_id: uuid.UUID) -> None:
        """Give every chunk of the base a vector from its pending model, then switch the
        base (and its chunks) to it in one transaction; searches meanwhile use the old."""
        while True:
            async with self._db.transaction(tenant_id=tenant_id) as session:
                base = await knowledge_repository.get_base(
                    session, tenant_id=tenant_id, base_id=base_id
                )
                if base is None or base.pending_model is None:
                    return
                model, creator = base.pending_model, base.created_by
                tenant = await self._tenants.get_for_worker(session=session, tenant_id=tenant_id)
                todo = await knowledge_repository.chunks_without_next(
                    session, tenant_id=tenant_id, base_id=base_id, limit=EMBED_BATCH
                )
            if todo:
                caller = await self._retriever.caller(
                    tenant_id=tenant_id, user_id=creator, api_key_id=None, plan_id=tenant.plan_id
                )
                vectors = await self._retriever.embed(
                    model, [_embed_text(t, h) for _, t, h in todo], caller
                )
                async with self._db.transaction(tenant_id=tenant_id) as session:
                    await knowledge_repository.set_next_embeddings(
                        session,
                        tenant_id=tenant_id,
                        vectors={cid: v for (cid, _, _), v in zip(todo, vectors, strict=True)},
                    )
                continue
            async with self._db.transaction(tenant_id=tenant_id) as session:
                base = await knowledge_repository.get_base(
                    session, tenant_id=tenant_id, base_id=base_id, lock=True
                )
                if base is None or base.pending_model != model:
                    continue
                # Under the base's lock no ingestion adds a chunk: check nothing is left.
                if await knowledge_repository.chunks_without_next(
                    session, tenant_id=tenant_id, base_id=base_id, limit=1
                ):
                    continue
                dims = base.pending_dimensions or base.dimensions
                await knowledge_repository.swap_embeddings(
                    session, tenant_id=tenant_id, base_id=base_id, dims=dims
                )
                base.embedding_model, base.dimensions = model, dims
                base.pending_model = base.pending_dimensions = None
                base.updated_at = utcnow()
                return


def _embed_text(text: str, heading: str | None) -> str:
    return f"{heading}\n{text}" if heading else text
