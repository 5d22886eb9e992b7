"""HTTP for knowledge bases, their files and search, and for files attached to a thread."""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import SessionDep
from atrium.kit.errors import BadRequest
from atrium.kit.schemas import Limit, Offset, Page, unstorable
from atrium.knowledge.dependencies import KnowledgeServiceDep
from atrium.knowledge.models import KnowledgeBase, KnowledgeFile
from atrium.knowledge.schemas import (
    KnowledgeBaseCreate,
    KnowledgeBasePublic,
    KnowledgeBaseUpdate,
    KnowledgeFilePublic,
    SearchHitPublic,
    SearchRequest,
    SearchResultPublic,
    UrlIngest,
)
from atrium.knowledge.service import Upload

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
thread_router = APIRouter(prefix="/threads", tags=["knowledge"])

# Optional here so that a missing field is answered after the base or thread is found (404
# before 422, as for every other id route); the service refuses an upload without files.
Files = Annotated[list[UploadFile] | None, File(description="One or more files (field `files`)")]
Metadata = Annotated[str | None, Form(description="JSON object stored with each file")]


def base_public(b: KnowledgeBase) -> KnowledgeBasePublic:
    return KnowledgeBasePublic(
        id=b.id,
        name=b.name,
        description=b.description,
        embedding_model=b.embedding_model,
        dimensions=b.dimensions,
        pending_model=b.pending_model,
        metadata=b.metadata_,
        project_id=b.project_id,
        created_by=b.created_by,
        created_at=b.created_at,
        updated_at=b.updated_at,
    )


def file_public(f: KnowledgeFile) -> KnowledgeFilePublic:
    return KnowledgeFilePublic(
        id=f.id,
        knowledge_base_id=f.knowledge_base_id,
        thread_id=f.thread_id,
        name=f.name,
        kind=f.kind,
        size_bytes=f.size_bytes,
        sha256=f.sha256,
        status=f.status,
        error=f.error,
        chunks_done=f.chunks_done,
        chunks_total=f.chunks_total,
        pages=f.pages,
        source_url=f.source_url,
        metadata=f.metadata_,
        created_at=f.created_at,
        updated_at=f.updated_at,
    )


async def _uploads(files: list[UploadFile] | None) -> list[Upload]:
    return [Upload(name=f.filename or "untitled", data=await f.read()) for f in files or []]


def _metadata(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadRequest("`metadata` must be a JSON object", field="metadata") from None
    if not isinstance(value, dict) or unstorable(value, "metadata"):
        raise BadRequest("`metadata` must be a JSON object of storable text", field="metadata")
    return value


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_knowledge_base(
    data: KnowledgeBaseCreate, auth: AuthDep, session: SessionDep, knowledge: KnowledgeServiceDep
) -> KnowledgeBasePublic:
    """Create a knowledge base (its embedding model defaults to the packaged MiniLM)."""
    return base_public(await knowledge.create_base(session=session, auth=auth, data=data))


@router.get("")
async def list_knowledge_bases(
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
    limit: Limit = 50,
    offset: Offset = 0,
    project_id: Annotated[uuid.UUID | None, Query(description="Only the project's bases")] = None,
) -> Page[KnowledgeBasePublic]:
    """The tenant's knowledge bases, newest first."""
    rows, total = await knowledge.list_bases(
        session=session, auth=auth, limit=limit, offset=offset, project_id=project_id
    )
    return Page(items=[base_public(b) for b in rows], total=total, limit=limit, offset=offset)


@router.get("/{base_id}")
async def get_knowledge_base(
    base_id: uuid.UUID, auth: AuthDep, session: SessionDep, knowledge: KnowledgeServiceDep
) -> KnowledgeBasePublic:
    """One knowledge base."""
    return base_public(await knowledge.get_base(session=session, auth=auth, base_id=base_id))


@router.patch("/{base_id}")
async def update_knowledge_base(
    base_id: uuid.UUID,
    data: KnowledgeBaseUpdate,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> KnowledgeBasePublic:
    """Change a base; a new `embedding_model` re-embeds its chunks in the background."""
    return base_public(
        await knowledge.update_base(session=session, auth=auth, base_id=base_id, data=data)
    )


@router.delete("/{base_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_knowledge_base(
    base_id: uuid.UUID, auth: AuthDep, session: SessionDep, knowledge: KnowledgeServiceDep
) -> Response:
    """Delete a base with its files, chunks, vectors and stored objects."""
    await knowledge.delete_base(session=session, auth=auth, base_id=base_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{base_id}/files", status_code=status.HTTP_202_ACCEPTED)
async def upload_files(
    base_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
    files: Files = None,
    metadata: Metadata = None,
) -> list[KnowledgeFilePublic]:
    """Upload files (multipart, field `files`, several at once); each is queued for
    ingestion. The type is detected from the content; the file name is a display name."""
    rows = await knowledge.upload(
        session=session,
        auth=auth,
        base_id=base_id,
        uploads=await _uploads(files),
        metadata=_metadata(metadata),
    )
    return [file_public(f) for f in rows]


@router.get("/{base_id}/files")
async def list_files(
    base_id: uuid.UUID, auth: AuthDep, session: SessionDep, knowledge: KnowledgeServiceDep
) -> list[KnowledgeFilePublic]:
    """The base's files with their ingestion status and progress."""
    rows = await knowledge.list_files(session=session, auth=auth, base_id=base_id)
    return [file_public(f) for f in rows]


@router.get("/{base_id}/files/{file_id}")
async def get_file(
    base_id: uuid.UUID,
    file_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> KnowledgeFilePublic:
    """One file: status (queued, parsing, embedding, ready, failed), progress, reason."""
    return file_public(
        await knowledge.get_file(session=session, auth=auth, base_id=base_id, file_id=file_id)
    )


@router.delete("/{base_id}/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_file(
    base_id: uuid.UUID,
    file_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> Response:
    """Delete a file with its chunks, vectors and stored object."""
    await knowledge.delete_file(session=session, auth=auth, base_id=base_id, file_id=file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def _attachment(name: str) -> str:
    ascii_name = _UNSAFE.sub("_", name).strip(". ") or "download"
    return f'attachment; filename="{ascii_name[:150]}"'


@router.get("/{base_id}/files/{file_id}/content", response_class=Response)
async def download_file(
    base_id: uuid.UUID,
    file_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> Response:
    """The file as uploaded, always as an attachment (never rendered by the browser)."""
    row, data = await knowledge.content(
        session=session, auth=auth, base_id=base_id, file_id=file_id
    )
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": _attachment(row.name),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{base_id}/files/{file_id}/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry_file(
    base_id: uuid.UUID,
    file_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> KnowledgeFilePublic:
    """Queue a failed file's ingestion again."""
    return file_public(
        await knowledge.retry(session=session, auth=auth, base_id=base_id, file_id=file_id)
    )


@router.post("/{base_id}/urls", status_code=status.HTTP_202_ACCEPTED)
async def ingest_url(
    base_id: uuid.UUID,
    data: UrlIngest,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> KnowledgeFilePublic:
    """Ingest a web page: fetched through the outbound guard (no private addresses unless
    the platform administrator allowed them for the tenant), its readable text extracted."""
    return file_public(
        await knowledge.ingest_url(session=session, auth=auth, base_id=base_id, data=data)
    )


@router.post("/{base_id}/search")
async def search(
    base_id: uuid.UUID,
    data: SearchRequest,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> SearchResultPublic:
    """The `top_k` passages for `query`: `hybrid` (reciprocal rank fusion of vector and
    full-text), `vector` or `keyword`, optionally filtered by file ids, kinds, metadata."""
    hits = await knowledge.search(session=session, auth=auth, base_id=base_id, data=data)
    return SearchResultPublic(
        mode=data.mode,
        results=[
            SearchHitPublic(
                file_id=h.file_id,
                file_name=h.file_name,
                knowledge_base_id=h.knowledge_base_id,
                thread_id=h.thread_id,
                page=h.page,
                chunk_index=h.chunk_index,
                heading=h.heading,
                score=h.score,
                snippet=h.snippet,
            )
            for h in hits
        ],
    )


@thread_router.post("/{thread_id}/files", status_code=status.HTTP_202_ACCEPTED)
async def upload_thread_files(
    thread_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
    files: Files = None,
    metadata: Metadata = None,
) -> list[KnowledgeFilePublic]:
    """Attach files to one thread: searchable by that thread's runs only."""
    rows = await knowledge.upload(
        session=session,
        auth=auth,
        thread_id=thread_id,
        uploads=await _uploads(files),
        metadata=_metadata(metadata),
    )
    return [file_public(f) for f in rows]


@thread_router.get("/{thread_id}/files")
async def list_thread_files(
    thread_id: uuid.UUID, auth: AuthDep, session: SessionDep, knowledge: KnowledgeServiceDep
) -> list[KnowledgeFilePublic]:
    """The thread's files with their status."""
    rows = await knowledge.list_files(session=session, auth=auth, thread_id=thread_id)
    return [file_public(f) for f in rows]


@thread_router.delete("/{thread_id}/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_thread_file(
    thread_id: uuid.UUID,
    file_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> Response:
    """Remove a file from the thread, with its chunks and stored object."""
    await knowledge.delete_file(session=session, auth=auth, thread_id=thread_id, file_id=file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
