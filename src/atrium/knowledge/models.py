from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, Computed, Identity
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class FileStatus(StrEnum):
    queued = "queued"
    parsing = "parsing"
    embedding = "embedding"
    ready = "ready"
    failed = "failed"


class KnowledgeBase(Base):
    __tablename__ = "knowledge_bases"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str]
    description: Mapped[str | None]
    embedding_model: Mapped[str]
    dimensions: Mapped[int]
    # The model a re-embedding job is moving the base to (searches keep the current one).
    pending_model: Mapped[str | None]
    pending_dimensions: Mapped[int | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    project_id: Mapped[uuid.UUID | None]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()


class KnowledgeFile(Base):
    __tablename__ = "knowledge_files"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    knowledge_base_id: Mapped[uuid.UUID | None]
    thread_id: Mapped[uuid.UUID | None]
    name: Mapped[str]
    kind: Mapped[str | None]
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str]
    storage_key: Mapped[str]
    status: Mapped[str] = mapped_column(default=FileStatus.queued)
    error: Mapped[str | None]
    chunks_done: Mapped[int] = mapped_column(default=0)
    chunks_total: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int | None]
    source_url: Mapped[str | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()


class KnowledgeChunk(Base):
    __tablename__ = "knowledge_chunks"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    file_id: Mapped[uuid.UUID]
    knowledge_base_id: Mapped[uuid.UUID | None]
    thread_id: Mapped[uuid.UUID | None]
    chunk_index: Mapped[int]
    text: Mapped[str]
    page: Mapped[int | None]
    heading: Mapped[str | None]
    token_count: Mapped[int]
    embedding: Mapped[list[float] | None] = mapped_column(Vector())
    dims: Mapped[int | None]
    next_embedding: Mapped[list[float] | None] = mapped_column(Vector())
    tsv: Mapped[str | None] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', coalesce(heading, '') || ' ' || text)", persisted=True),
    )
