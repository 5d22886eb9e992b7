"""Start-up steps shared by the CLI commands: locate the database, migrate, build the runtime."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import psycopg
from psycopg import sql

from atrium.auth.tokens import TokenSigner
from atrium.db import embedded, libraries, migrate
from atrium.db.urls import DatabaseUrls, external_urls
from atrium.kit.background import BackgroundTasks
from atrium.kit.crypto import SecretBox
from atrium.kit.db import Database
from atrium.kit.mail import Mailer
from atrium.kit.ratelimit import RateLimiter
from atrium.kit.runtime import Runtime, install
from atrium.settings import Settings


def database_urls(settings: Settings) -> DatabaseUrls:
    """The external database when configured, else the embedded one (started on demand)."""
    if settings.embedded_database:
        return embedded.start(settings)
    return external_urls(settings)


def run_migrations(settings: Settings, urls: DatabaseUrls) -> None:
    migrate.upgrade(urls.owner, app_role=settings.database_app_user)
    libraries.apply(
        urls.owner.set(drivername="postgresql").render_as_string(hide_password=False),
        settings.database_app_user,
    )
    password = settings.database_app_password
    if password is not None and settings.database_app_url is None:
        owner = urls.owner.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(settings.database_app_user),
                    sql.Literal(password.get_secret_value()),
                )
            )


def build_runtime(settings: Settings, urls: DatabaseUrls) -> Runtime:
    limiter = (
        RateLimiter.for_redis(settings.redis_url.get_secret_value())
        if settings.redis_url
        else RateLimiter()
    )
    from atrium.agents.runtime import AgentRuntime
    from atrium.providers.service import ProviderService
    from atrium.runs.events import EventSink
    from atrium.runs.hub import RedisRunHub, RunHub
    from atrium.runs.tasks import make_queue
    from atrium.usage.recorder import UsageRecorder

    secret = settings.resolved_secret_key()
    app_dsn = urls.app.set(drivername="postgresql").render_as_string(hide_password=False)
    db = Database(urls.app, pool_size=settings.database_pool_size)
    usage = UsageRecorder(db, flush_seconds=settings.usage_flush_seconds)
    hub = (
        RedisRunHub(db, settings.redis_url.get_secret_value()) if settings.redis_url else RunHub(db)
    )
    return Runtime(
        settings=settings,
        db=db,
        signer=TokenSigner(secret, ttl_seconds=settings.access_token_ttl_seconds),
        mailer=Mailer(settings),
        limiter=limiter,
        background=BackgroundTasks(),
        secrets=SecretBox(secret, settings.previous_secret_keys()),
        providers=ProviderService(settings, usage),
        usage=usage,
        agents=AgentRuntime(app_dsn, pool_size=settings.database_pool_size),
        queue=make_queue(app_dsn),
        runs_hub=hub,
        run_events=EventSink(db, hub),
    )


@contextlib.asynccontextmanager
async def running(
    settings: Settings, urls: DatabaseUrls, *, worker: bool
) -> AsyncIterator[Runtime]:
    """The process's runtime, started (with a run worker if asked) for the block, then
    stopped in order: background work drained, the worker stopped, pending events and usage
    flushed, every pool closed."""
    rt = build_runtime(settings, urls)
    install(rt)
    rt.usage.start()
    await rt.agents.open()
    await rt.queue.open_async()
    rt.runs_hub.start()
    rt.run_events.start()
    task = asyncio.create_task(run_worker(rt, settings.run_concurrency)) if worker else None
    try:
        yield rt
    finally:
        await rt.background.drain()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await rt.run_events.close()
        await rt.runs_hub.close()
        await rt.queue.close_async()
        await rt.agents.close()
        await rt.usage.close()
        await rt.providers.close()
        await rt.limiter.close()
        await rt.db.dispose()
        install(None)


async def run_worker(rt: Runtime, concurrency: int) -> None:
    """Execute queued runs until cancelled (inside `atrium serve`, or as `atrium worker`).

    Workers send heartbeats; a job whose worker stopped sending them (killed, crashed) is
    queued again by any live worker and continues from its run's last checkpoint.
    """
    from atrium.runs.tasks import QUEUE, recover_stalled

    settings = rt.settings
    recovery = asyncio.create_task(
        recover_stalled(rt.queue, stalled_seconds=settings.worker_stalled_seconds)
    )
    try:
        await rt.queue.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            install_signal_handlers=False,
            name="atrium-worker",
            update_heartbeat_interval=settings.worker_heartbeat_seconds,
            stalled_worker_timeout=settings.worker_stalled_seconds,
            delete_jobs="successful",
        )
    finally:
        recovery.cancel()
