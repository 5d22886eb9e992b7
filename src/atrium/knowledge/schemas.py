"""Request and response bodies of knowledge bases, their files and search."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from atrium.kit.schemas import Input, Name, Output

Description = Annotated[str, StringConstraints(max_length=2000)]
Query = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class SearchMode(StrEnum):
    hybrid = "hybrid"
    vector = "vector"
    keyword = "keyword"


class KnowledgeBaseCreate(Input):
    name: Name
    description: Description | None = None
    embedding_model: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    project_id: uuid.UUID | None = None


class KnowledgeBaseUpdate(Input):
    name: Name | None = None
    description: Description | None = None
    # Changing it re-embeds every chunk in the background; searches keep the old model
    # until the new vectors are all in place.
    embedding_model: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    metadata: dict[str, Any] | None = None
    # The project to move the base to; `null` takes it out of its project.
    project_id: uuid.UUID | None = None


class KnowledgeBasePublic(Output):
    id: uuid.UUID
    name: str
    description: str | None
    embedding_model: str
    dimensions: int
    pending_model: str | None
    metadata: dict[str, Any]
    project_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class KnowledgeFilePublic(Output):
    id: uuid.UUID
    knowledge_base_id: uuid.UUID | None
    thread_id: uuid.UUID | None
    name: str
    kind: str | None
    size_bytes: int
    sha256: str
    status: str
    error: str | None
    chunks_done: int
    chunks_total: int
    pages: int | None
    source_url: str | None
    metadata: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class UrlIngest(Input):
    url: Url
    name: Name | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class SearchFilters(Input):
    file_ids: Annotated[list[uuid.UUID], Field(max_length=100)] | None = None
    kinds: Annotated[list[str], Field(max_length=10)] | None = None
    # Files whose metadata contains this object (jsonb containment).
    metadata: dict[str, Any] | None = None


class SearchRequest(Input):
    query: Query
    top_k: Annotated[int, Field(ge=1, le=50)] = 5
    mode: SearchMode = SearchMode.hybrid
    filters: SearchFilters | None = None


class SearchHitPublic(Output):
    file_id: uuid.UUID
    file_name: str
    knowledge_base_id: uuid.UUID | None
    thread_id: uuid.UUID | None
    page: int | None
    chunk_index: int
    heading: str | None
    score: float
    snippet: str


class SearchResultPublic(Output):
    mode: SearchMode
    results: list[SearchHitPublic]
