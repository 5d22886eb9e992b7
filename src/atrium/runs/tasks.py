"""The durable run queue (procrastinate on PostgreSQL). Jobs carry the tenant and run ids;
the worker sets the tenant context from them before touching any row."""

from __future__ import annotations

import uuid

import procrastinate

from atrium.runs import executor

QUEUE = "runs"


def make_queue(conninfo: str) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
    )

    @app.task(name="atrium.runs.execute", queue=QUEUE, pass_context=False)
    async def execute_run(tenant_id: str, run_id: str) -> None:
        await executor.execute(uuid.UUID(tenant_id), uuid.UUID(run_id))

    return app


async def enqueue(
    app: procrastinate.App,
    *,
    tenant_id: uuid.UUID,
    thread_id: uuid.UUID,
    run_id: uuid.UUID,
    after_seconds: int | None = None,
) -> None:
    """Queue a run. Runs of one thread share a lock, so they execute one after another."""
    task = app.tasks["atrium.runs.execute"]
    options: dict[str, object] = {"lock": f"thread:{tenant_id}:{thread_id}"}
    if after_seconds:
        options["schedule_in"] = {"seconds": after_seconds}
    await task.configure(**options).defer_async(  # type: ignore[arg-type]
        tenant_id=str(tenant_id), run_id=str(run_id)
    )
