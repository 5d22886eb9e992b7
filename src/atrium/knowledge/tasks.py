"""Knowledge jobs on the run queue (the same durable procrastinate app and workers):
ingesting one file, and re-embedding a base after its model changed. Jobs carry the tenant
id; the job sets the tenant context before touching any row."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate

from atrium.runs.tasks import QUEUE

INGEST = "atrium.knowledge.ingest"
REEMBED = "atrium.knowledge.reembed"

Job = Callable[[uuid.UUID, uuid.UUID], Awaitable[None]]


def register(app: procrastinate.App, *, ingest: Job, reembed: Job) -> None:
    """Add the knowledge tasks to the queue (`ingest(tenant_id, file_id)`,
    `reembed(tenant_id, base_id)`)."""

    @app.task(name=INGEST, queue=QUEUE, pass_context=False)
    async def ingest_file(tenant_id: str, file_id: str) -> None:
        await ingest(uuid.UUID(tenant_id), uuid.UUID(file_id))

    @app.task(name=REEMBED, queue=QUEUE, pass_context=False)
    async def reembed_base(tenant_id: str, base_id: str) -> None:
        await reembed(uuid.UUID(tenant_id), uuid.UUID(base_id))


async def enqueue_ingest(
    app: procrastinate.App, *, tenant_id: uuid.UUID, file_id: uuid.UUID, connection: Any
) -> None:
    """Queue a file's ingestion in the caller's transaction (`connection`), so the job
    exists exactly when the file row does."""
    await (
        app.tasks[INGEST]
        .configure(connection=connection, lock=f"knowledge-file:{tenant_id}:{file_id}")
        .defer_async(tenant_id=str(tenant_id), file_id=str(file_id))
    )


async def enqueue_reembed(
    app: procrastinate.App, *, tenant_id: uuid.UUID, base_id: uuid.UUID, connection: Any
) -> None:
    await (
        app.tasks[REEMBED]
        .configure(connection=connection, lock=f"knowledge-base:{tenant_id}:{base_id}")
        .defer_async(tenant_id=str(tenant_id), base_id=str(base_id))
    )
