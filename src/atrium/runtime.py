"""The composition root: every long-lived object of a running Atrium is built here, in one
`AsyncExitStack`, and handed to the services and endpoints that use it. Whatever was
opened before a failure is closed; on the way out everything closes in reverse order
(background work drained, the run worker stopped, pending events and usage flushed, every
pool closed). Nothing else in `src/` holds process state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import procrastinate

from atrium.agents.runtime import AgentRuntime
from atrium.agents.tools import ToolSource
from atrium.api_keys.service import ApiKeyService
from atrium.assistants.service import AssistantService
from atrium.auth.google import GoogleSignIn
from atrium.auth.recovery import RecoveryService
from atrium.auth.service import AuthService
from atrium.auth.sessions import SessionService
from atrium.auth.throttle import LoginThrottle
from atrium.auth.tokens import TokenSigner
from atrium.billing.payments import StripePayments
from atrium.billing.service import BillingService
from atrium.budgets.service import BudgetService
from atrium.db.urls import DatabaseUrls
from atrium.gateway.assistants import AssistantModels
from atrium.gateway.service import GatewayService
from atrium.kit.background import BackgroundWork
from atrium.kit.crypto import SecretBox
from atrium.kit.db import Database
from atrium.kit.http import StreamSlots
from atrium.kit.invalidation import RedisTenantChanges, TenantChanges
from atrium.kit.mail import Mailer
from atrium.kit.ratelimit import RateLimiter
from atrium.kit.storage import FileStore, open_file_store
from atrium.knowledge import tasks as knowledge_tasks
from atrium.knowledge.chunking import Chunker, default_tokenizer_file
from atrium.knowledge.ingestion import Ingestion
from atrium.knowledge.parsing import ParseLimits
from atrium.knowledge.search import KnowledgeRetriever
from atrium.knowledge.service import KnowledgeService, ThreadFiles
from atrium.knowledge.tools import KnowledgeTools
from atrium.mcp_servers.service import McpServerService
from atrium.mcp_servers.tools import McpTools
from atrium.projects.service import ProjectService
from atrium.provider_keys.service import ProviderKeyService
from atrium.providers.service import ProviderService
from atrium.quotas.service import QuotaService
from atrium.runs.events import EventSink
from atrium.runs.executor import RunExecutor
from atrium.runs.hub import RedisRunHub, RunHub
from atrium.runs.limits import RunLimits
from atrium.runs.reader import RunReader
from atrium.runs.service import RunService
from atrium.runs.sse import RunStreams
from atrium.runs.tasks import DueWakeups, make_queue, run_worker
from atrium.settings import Settings
from atrium.tenants.service import TenantService
from atrium.threads.service import ThreadService
from atrium.threads.share_service import ShareService
from atrium.tools.builtins import Builtins
from atrium.tools.service import OutboundPolicies, ToolService
from atrium.usage.recorder import UsageRecorder


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    db: Database
    background: BackgroundWork
    limiter: RateLimiter
    mailer: Mailer
    secrets: SecretBox
    signer: TokenSigner
    tenant_changes: TenantChanges
    usage: UsageRecorder
    providers: ProviderService
    agents: AgentRuntime
    queue: procrastinate.App
    runs_hub: RunHub
    run_events: EventSink
    # services
    session_service: SessionService
    tenant_service: TenantService
    api_key_service: ApiKeyService
    provider_key_service: ProviderKeyService
    recovery_service: RecoveryService
    auth_service: AuthService
    project_service: ProjectService
    assistant_service: AssistantService
    thread_service: ThreadService
    share_service: ShareService
    run_reader: RunReader
    run_streams: RunStreams
    run_executor: RunExecutor
    run_service: RunService
    google: GoogleSignIn
    gateway_service: GatewayService
    quota_service: QuotaService
    billing_service: BillingService
    tool_service: ToolService
    mcp_server_service: McpServerService
    stream_slots: StreamSlots
    file_store: FileStore
    knowledge_service: KnowledgeService


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, urls: DatabaseUrls, *, worker: bool
) -> AsyncIterator[Runtime]:
    """The process's runtime for the block (with a run worker if asked)."""
    async with contextlib.AsyncExitStack() as stack:
        secret = settings.resolved_secret_key()
        app_dsn = urls.app.set(drivername="postgresql").render_as_string(hide_password=False)
        background = BackgroundWork()
        db = Database(urls.app, pool_size=settings.database_pool_size, background=background)
        stack.push_async_callback(db.dispose)
        limiter = (
            RateLimiter.for_redis(settings.redis_url.get_secret_value())
            if settings.redis_url
            else RateLimiter()
        )
        stack.push_async_callback(limiter.close)
        usage = UsageRecorder(db, flush_seconds=settings.usage_flush_seconds)
        budgets = BudgetService(
            db=db, dsn=app_dsn, reservation_seconds=settings.budget_reservation_seconds
        )
        stack.push_async_callback(budgets.close)
        providers = ProviderService(settings, usage, budgets=budgets)
        stack.push_async_callback(providers.close)
        usage.start()
        stack.push_async_callback(usage.close)
        agents = AgentRuntime(app_dsn, pool_size=settings.database_pool_size)
        await agents.open()
        stack.push_async_callback(agents.close)
        hub: RunHub = (
            RedisRunHub(db, settings.redis_url.get_secret_value())
            if settings.redis_url
            else RunHub(db)
        )
        hub.start()
        stack.push_async_callback(hub.close)
        run_events = EventSink(db, hub)
        run_events.start()
        stack.push_async_callback(run_events.close)
        # Identity and tenancy.
        mailer = Mailer(settings)
        signer = TokenSigner(secret, ttl_seconds=settings.access_token_ttl_seconds)
        secrets = SecretBox(secret, settings.previous_secret_keys())
        # Across replicas through Redis when there is one (the scale-out shape).
        tenant_changes = (
            RedisTenantChanges(settings.redis_url.get_secret_value())
            if settings.redis_url
            else TenantChanges()
        )
        await tenant_changes.start()
        stack.push_async_callback(tenant_changes.close)
        session_service = SessionService(
            signer=signer,
            refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
            csrf_key=secret,
        )
        api_key_service = ApiKeyService(changes=tenant_changes)
        tenant_service = TenantService(
            db=db,
            mailer=mailer,
            changes=tenant_changes,
            sessions=session_service,
            api_keys=api_key_service,
            base_url=settings.base_url,
            invitation_ttl_seconds=settings.invitation_ttl_seconds,
        )
        payments = StripePayments.from_settings(settings)
        if payments is not None:
            stack.push_async_callback(payments.close)
        billing_service = BillingService(
            db=db,
            tenants=tenant_service,
            payments=payments,
            grace_days=settings.stripe_grace_days,
            sweep_seconds=settings.stripe_sweep_seconds,
        )
        billing_service.start()
        stack.push_async_callback(billing_service.close)
        api_key_service = ApiKeyService(changes=tenant_changes)
        provider_key_service = ProviderKeyService(
            secrets=secrets, changes=tenant_changes, tenants=tenant_service
        )
        recovery_service = RecoveryService(
            mailer=mailer,
            limiter=limiter,
            sessions=session_service,
            tenants=tenant_service,
            api_keys=api_key_service,
            base_url=settings.base_url,
            email_token_ttl_seconds=settings.email_token_ttl_seconds,
        )
        auth_service = AuthService(
            signer=signer,
            sessions=session_service,
            api_keys=api_key_service,
            tenants=tenant_service,
            recovery=recovery_service,
            throttle=LoginThrottle(
                limiter=limiter,
                per_account=settings.login_rate_per_account,
                per_ip=settings.login_rate_per_ip,
            ),
        )
        quota_service = QuotaService(
            db=db, limiter=limiter, tenant_service=tenant_service, api_key_service=api_key_service
        )
        tenant_changes.subscribe(quota_service.forget_tenant)
        google = GoogleSignIn(settings=settings, auth=auth_service, tenants=tenant_service)
        # Agents: assistants, threads, runs.
        project_service = ProjectService()
        assistant_service = AssistantService(
            tenant_service=tenant_service,
            projects=project_service,
            default_model=settings.default_model,
        )
        file_store = open_file_store(settings)
        stack.push_async_callback(file_store.close)
        thread_service = ThreadService(
            db=db,
            agents=agents,
            projects=project_service,
            on_delete=[ThreadFiles(store=file_store)],
        )
        share_service = ShareService(threads=thread_service, base_url=settings.base_url)
        run_reader = RunReader(db=db, hub=hub)
        run_streams = RunStreams(db=db, hub=hub, reader=run_reader, background=background)
        # Tools a run may call, by source (built-ins now; MCP servers and knowledge search
        # add theirs here).
        retriever = KnowledgeRetriever(
            db=db,
            providers=providers,
            tenant_service=tenant_service,
            provider_key_service=provider_key_service,
            exact_scan_rows=settings.knowledge_exact_scan_rows,
        )
        knowledge_tools = KnowledgeTools(
            db=db, retriever=retriever, thread_model=settings.knowledge_embedding_model
        )
        outbound_policies = OutboundPolicies(db, tenant_service)
        mcp_server_service = McpServerService(secrets=secrets, tenants=tenant_service)
        tool_sources: list[ToolSource] = [
            Builtins(
                policy_of=outbound_policies,
                searxng_url=settings.searxng_url,
                max_bytes=settings.fetch_max_bytes,
                timeout_seconds=settings.fetch_timeout_seconds,
                output_chars=settings.tool_output_max_chars,
            ),
            McpTools(db=db, service=mcp_server_service),
            knowledge_tools,
        ]
        tool_service = ToolService(
            sources=tool_sources, tenant_service=tenant_service, thread_service=thread_service
        )
        run_executor = RunExecutor(
            settings=settings,
            db=db,
            agents=agents,
            providers=providers,
            hub=hub,
            events=run_events,
            background=background,
            tenant_service=tenant_service,
            provider_key_service=provider_key_service,
            thread_service=thread_service,
            quotas=quota_service,
            tool_sources=tool_sources,
            retrieve=knowledge_tools.retrieve,
        )
        queue = make_queue(app_dsn, execute=run_executor.execute)
        parse_limits = ParseLimits(max_bytes=settings.knowledge_max_file_bytes)
        knowledge_service = KnowledgeService(
            db=db,
            store=file_store,
            queue=queue,
            retriever=retriever,
            tenant_service=tenant_service,
            thread_service=thread_service,
            projects=project_service,
            default_model=settings.knowledge_embedding_model,
            limits=parse_limits,
        )
        ingestion = Ingestion(
            db=db,
            store=file_store,
            retriever=retriever,
            tenant_service=tenant_service,
            chunker=Chunker(default_tokenizer_file()),
            default_model=settings.knowledge_embedding_model,
            limits=parse_limits,
        )
        knowledge_tasks.register(queue, ingest=ingestion.ingest, reembed=ingestion.reembed)
        await queue.open_async()
        stack.push_async_callback(queue.close_async)
        wakeups = DueWakeups(queue)
        stack.push_async_callback(wakeups.close)
        run_service = RunService(
            db=db,
            hub=hub,
            queue=queue,
            wakeups=wakeups,
            reader=run_reader,
            assistant_service=assistant_service,
            thread_service=thread_service,
            limits=RunLimits(tenant_service=tenant_service),
        )
        # Gateway.
        gateway_service = GatewayService(
            db=db,
            quotas=quota_service,
            providers=providers,
            tenant_service=tenant_service,
            provider_key_service=provider_key_service,
            auth_service=auth_service,
            assistants=AssistantModels(
                db=db,
                run_service=run_service,
                thread_service=thread_service,
                read_run=run_reader.read_run,
            ),
        )
        tenant_changes.subscribe(gateway_service.forget_tenant)
        rt = Runtime(
            settings=settings,
            db=db,
            background=background,
            limiter=limiter,
            mailer=mailer,
            secrets=secrets,
            signer=signer,
            tenant_changes=tenant_changes,
            usage=usage,
            providers=providers,
            agents=agents,
            queue=queue,
            runs_hub=hub,
            run_events=run_events,
            session_service=session_service,
            tenant_service=tenant_service,
            api_key_service=api_key_service,
            provider_key_service=provider_key_service,
            recovery_service=recovery_service,
            auth_service=auth_service,
            google=google,
            gateway_service=gateway_service,
            quota_service=quota_service,
            billing_service=billing_service,
            tool_service=tool_service,
            mcp_server_service=mcp_server_service,
            project_service=project_service,
            assistant_service=assistant_service,
            thread_service=thread_service,
            share_service=share_service,
            run_reader=run_reader,
            run_streams=run_streams,
            run_executor=run_executor,
            run_service=run_service,
            stream_slots=StreamSlots(settings.max_streams_per_key),
            file_store=file_store,
            knowledge_service=knowledge_service,
        )
        if worker:
            task = asyncio.create_task(run_worker(queue, settings))
            stack.push_async_callback(_stop, task)
        stack.push_async_callback(background.drain)
        yield rt


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
