"""The durable run queue (procrastinate on PostgreSQL). Jobs carry the tenant and run ids;
the worker sets the tenant context from them before touching any row."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate

from atrium.kit.logging import get_logger
from atrium.settings import Settings

_log = get_logger("atrium.runs.queue")

QUEUE = "runs"


Execute = Callable[[uuid.UUID, uuid.UUID], Awaitable[None]]


def make_queue(conninfo: str, *, execute: Execute) -> procrastinate.App:
    """The queue, whose run jobs call `execute(tenant_id, run_id)` (the root's executor)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
    )

    @app.task(name="atrium.runs.execute", queue=QUEUE, pass_context=False)
    async def execute_run(tenant_id: str, run_id: str) -> None:
        await execute(uuid.UUID(tenant_id), uuid.UUID(run_id))

    return app


async def enqueue(
    app: procrastinate.App,
    *,
    tenant_id: uuid.UUID,
    thread_id: uuid.UUID,
    run_id: uuid.UUID,
    after_seconds: int | None = None,
    connection: Any = None,
) -> None:
    """Queue a run. Runs of one thread share a lock, so they execute one after another.
    With `connection` (a psycopg connection in a transaction) the job is written in that
    transaction, so it exists exactly when the run does."""
    task = app.tasks["atrium.runs.execute"]
    options: dict[str, object] = {"lock": f"thread:{tenant_id}:{thread_id}"}
    if connection is not None:
        options["connection"] = connection
    if after_seconds:
        options["schedule_in"] = {"seconds": after_seconds}
    await task.configure(**options).defer_async(  # type: ignore[arg-type]
        tenant_id=str(tenant_id), run_id=str(run_id)
    )


# Procrastinate's workers LISTEN here; a `job_inserted` notification makes them fetch at once.
_CHANNEL = f"procrastinate_queue_v1#{QUEUE}"
_WAKE = "SELECT pg_notify(%(channel)s, %(payload)s)"
# A job falls due at the scheduled time its `defer` computed, which is a moment before the run
# committed; this margin covers clocks read a little apart.
DUE_MARGIN_SECONDS = 0.05


class DueWakeups:
    """Wakes the run workers when a delayed run falls due.

    Procrastinate notifies its workers when a job is inserted, not when a scheduled job falls
    due: a run created with `after_seconds` would otherwise wait for a worker's next poll
    (5 s apart), so `after_seconds=1` started after about 5 s. A timer in the process that
    created the run sends the same notification at the due time, through PostgreSQL, so it
    reaches workers on every machine; if that process stops first, the poll still runs it.
    """

    def __init__(self, app: procrastinate.App) -> None:
        self._app = app
        self._timers: set[asyncio.TimerHandle] = set()
        self._sending: set[asyncio.Task[None]] = set()

    def after(self, seconds: float) -> None:
        """Wake the workers `seconds` from now."""
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(timer)
            task = loop.create_task(self._wake(), name="runs.wake_due")
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

        timer = loop.call_later(seconds + DUE_MARGIN_SECONDS, fire)
        self._timers.add(timer)

    async def _wake(self) -> None:
        payload = json.dumps({"type": "job_inserted", "job_id": None})
        try:
            await self._app.connector.execute_query_async(_WAKE, channel=_CHANNEL, payload=payload)
        except Exception:  # the workers' poll picks the run up a few seconds later
            _log.warning("runs_wake_due_failed", exc_info=True)

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in list(self._sending):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def recover_stalled(app: procrastinate.App, *, stalled_seconds: float) -> None:
    """Requeue the jobs of workers that stopped sending heartbeats."""
    while True:
        await asyncio.sleep(max(stalled_seconds / 2, 0.5))
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=stalled_seconds
            )
            for job in stalled:
                _log.warning("requeueing_stalled_run", job_id=job.id)
                await app.job_manager.retry_job(job)
        except Exception:  # keep recovering on the next round
            _log.exception("stalled_job_recovery_failed")


async def run_worker(app: procrastinate.App, settings: Settings) -> None:
    """Execute queued runs until cancelled (inside `atrium serve`, or as `atrium worker`).

    Workers send heartbeats; a job whose worker stopped sending them (killed, crashed) is
    queued again by any live worker and continues from its run's last checkpoint.
    """
    recovery = asyncio.create_task(
        recover_stalled(app, stalled_seconds=settings.worker_stalled_seconds)
    )
    try:
        await app.run_worker_async(
            queues=[QUEUE],
            concurrency=settings.run_concurrency,
            install_signal_handlers=False,
            name="atrium-worker",
            update_heartbeat_interval=settings.worker_heartbeat_seconds,
            stalled_worker_timeout=settings.worker_stalled_seconds,
            delete_jobs="successful",
        )
    finally:
        recovery.cancel()
