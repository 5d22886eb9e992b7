"""FastAPI application factory and lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware

from atrium import __version__
from atrium.api_keys.endpoints import router as api_keys_router
from atrium.assistants.endpoints import router as assistants_router
from atrium.auth import google
from atrium.auth.endpoints import router as auth_router
from atrium.billing.endpoints import router as billing_router
from atrium.db.urls import DatabaseUrls
from atrium.gateway.endpoints import router as gateway_router
from atrium.gateway.errors import OpenAIErrorPublic, openai_error
from atrium.kit import handlers
from atrium.kit.deps import DatabaseDep
from atrium.kit.handlers import ErrorFamily
from atrium.kit.http import BodyLimitMiddleware, RequestContextMiddleware
from atrium.kit.logging import get_logger
from atrium.knowledge.endpoints import router as knowledge_router
from atrium.knowledge.endpoints import thread_router as knowledge_thread_router
from atrium.mcp_servers.endpoints import router as mcp_servers_router
from atrium.projects.endpoints import router as projects_router
from atrium.provider_keys.endpoints import router as provider_keys_router
from atrium.quotas.endpoints import router as quotas_router
from atrium.quotas.headers import RateLimitHeadersMiddleware
from atrium.runs.endpoints import router as runs_router
from atrium.runtime import open_runtime
from atrium.settings import Settings
from atrium.tenants.endpoints import admin_router
from atrium.tenants.endpoints import router as tenants_router
from atrium.threads.endpoints import router as threads_router
from atrium.threads.share_endpoints import link_router as share_links_router
from atrium.threads.share_endpoints import router as thread_shares_router
from atrium.tools.endpoints import router as tools_router
from atrium.usage.endpoints import router as usage_router
from atrium.users.endpoints import router as users_router
from atrium.web import endpoints as web

_log = get_logger("atrium.app")


class HealthPublic(BaseModel):
    status: Literal["ok"]


class ReadinessPublic(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


def create_app(settings: Settings, urls: DatabaseUrls) -> FastAPI:
    """Build the app for a database that is already migrated (see `atrium.bootstrap`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, urls, worker=settings.workers_in_process) as rt:
            app.state.runtime = rt
            # Everything built so far lives as long as the process: keep it out of the
            # cyclic collector's scans, which otherwise stall every request now and then.
            gc.collect()
            gc.freeze()
            _log.info("started", version=__version__, embedded=settings.embedded_database)
            yield
        _log.info("stopped")

    app = FastAPI(
        title="Atrium",
        version=__version__,
        description="Self-hostable, multi-tenant AI assistant and agent platform.",
        lifespan=lifespan,
    )
    handlers.install(
        app,
        {"/v1/": ErrorFamily(openai_error, model=OpenAIErrorPublic, validation_status=400)},
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="atrium_oauth",
        path="/auth/google",
        max_age=600,
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
    )
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={
            "/knowledge/": settings.max_upload_bytes,
            "/threads/*/files": settings.max_upload_bytes,
        },
        families={"/v1/": openai_error},
    )
    app.add_middleware(RequestContextMiddleware)

    for router in (
        auth_router,
        google.router,
        users_router,
        tenants_router,
        admin_router,
        api_keys_router,
        provider_keys_router,
        mcp_servers_router,
        projects_router,
        usage_router,
        billing_router,
        gateway_router,
        assistants_router,
        threads_router,
        thread_shares_router,
        share_links_router,
        runs_router,
        quotas_router,
        tools_router,
        knowledge_router,
        knowledge_thread_router,
    ):
        app.include_router(router)
    web.install(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> HealthPublic:
        """Liveness: the process answers."""
        return HealthPublic(status="ok")

    @app.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"model": ReadinessPublic, "description": "The database is unreachable"}},
    )
    async def readyz(db: DatabaseDep, response: Response) -> ReadinessPublic:
        """Readiness: the database answers."""
        try:
            await db.ping()
        except Exception as exc:  # any failure means not ready; the reason goes to the log
            _log.warning("not_ready", error_type=type(exc).__name__)
            response.status_code = 503
            return ReadinessPublic(status="unavailable", database="unreachable")
        return ReadinessPublic(status="ok", database="ok")

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
