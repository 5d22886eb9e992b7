"""Executes one run on a worker: claims it, runs the graph with the PostgreSQL checkpointer,
writes every event with a sequence number (so any process can stream or resume it), and
records status, usage and tool calls. A run whose worker died is claimed again and continues
from its last checkpoint."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from atrium.agents.graph import Retrieve, RunContext, ToolRecord
from atrium.agents.runtime import AgentRuntime, interrupts_of, jsonable, thread_config
from atrium.agents.tools import ToolScope, ToolSource, resolve_tools
from atrium.assistants.repository import assistant_repository
from atrium.auth.context import AuthContext, Role
from atrium.kit.background import BackgroundWork
from atrium.kit.db import Database, after_commit
from atrium.kit.errors import AtriumError, Forbidden
from atrium.kit.logging import get_logger
from atrium.kit.models import utcnow
from atrium.provider_keys.service import ProviderKeyService
from atrium.providers.service import Caller, ProviderService
from atrium.providers.types import CallOutcome, UpstreamError
from atrium.quotas.service import QuotaService
from atrium.runs import webhooks
from atrium.runs.events import EventSink, EventWriter
from atrium.runs.hub import Batch, LiveEvent, RunHub
from atrium.runs.models import ToolCall
from atrium.runs.repository import run_repository
from atrium.runs.schemas import ACTIVE, CancelAction, RunOptions, RunStatus
from atrium.settings import Settings
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService
from atrium.threads.repository import thread_repository
from atrium.threads.schemas import ThreadStatus
from atrium.threads.service import ThreadService

# Passages for (caller, knowledge base ids, thread id, question), each a citation with its
# text (the root hands in knowledge's; agents and runs import no domain of knowledge).
RunRetrieve = Callable[
    [Caller, tuple[uuid.UUID, ...], uuid.UUID | None, str], Awaitable[list[dict[str, Any]]]
]

_log = get_logger("atrium.runs")
DEFAULT_MAX_STEPS = 25


@dataclass
class Totals:
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)
    model: str | None = None
    tools: list[ToolRecord] = field(default_factory=list)

    def add(self, outcome: CallOutcome, cost: Decimal) -> None:
        self.input_tokens += outcome.usage.input_tokens
        self.output_tokens += outcome.usage.output_tokens
        self.cost += cost
        self.model = outcome.model


@dataclass
class Claim:
    run: Any
    options: RunOptions
    context: RunContext
    totals: Totals
    last_seq: int
    graph_input: Any
    config: dict[str, Any]
    max_seconds: float
    allow_private_urls: bool = False
    outbound_allowlist: tuple[str, ...] = ()


class RunExecutor:
    """Executes the runs the queue hands to this process's worker."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        agents: AgentRuntime,
        providers: ProviderService,
        hub: RunHub,
        events: EventSink,
        background: BackgroundWork,
        tenant_service: TenantService,
        provider_key_service: ProviderKeyService,
        thread_service: ThreadService,
        quotas: QuotaService,
        tool_sources: Sequence[ToolSource],
        retrieve: RunRetrieve | None = None,
    ) -> None:
        self._settings, self._db, self._agents = settings, db, agents
        self._providers, self._hub, self._events = providers, hub, events
        self._background = background
        self._tenants, self._provider_keys = tenant_service, provider_key_service
        self._threads = thread_service
        self._quotas = quotas
        self._tool_sources = tuple(tool_sources)
        self._retrieve = retrieve

    async def _claim(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> Claim | None:
        async with self._db.transaction(tenant_id=tenant_id) as session:
            run = await run_repository.get(session, tenant_id=tenant_id, run_id=run_id, lock=True)
            if run is None or run.status not in ACTIVE:
                return None  # finished, cancelled or deleted meanwhile
            thread = await thread_repository.get(
                session, tenant_id=tenant_id, thread_id=run.thread_id, lock=True
            )
            if thread is None:
                return None
            version = await assistant_repository.get_version(
                session,
                tenant_id=tenant_id,
                assistant_id=run.assistant_id,
                version=run.assistant_version,
            )
            options = RunOptions.model_validate(run.kwargs)
            # The run's own context (validated when it was created) over the assistant's.
            fields = {**(version.context if version is not None else {}), **(options.context or {})}
            keys = await self._provider_keys.tenant_keys(session=session, tenant_id=tenant_id)
            tenant = await self._tenants.get_for_worker(session=session, tenant_id=tenant_id)
            plan_id = tenant.plan_id
            totals = Totals()
            try:
                context = await self._context(run, fields, keys, plan_id, totals)
            except AtriumError as exc:
                # The assistant cannot run (model not allowed or not configured): fail the run.
                error = {"error": exc.code, "message": exc.message}
                run.status, run.error, run.finished_at = RunStatus.error, error, utcnow()
                thread.status, thread.error = ThreadStatus.error, error
                last = await run_repository.last_seq(session, tenant_id=tenant_id, run_id=run_id)
                event = LiveEvent(last + 1, "error", error)
                await run_repository.add_events(session, [event.row(tenant_id, run_id)])
                ended = Batch((event,), event.seq, ended=True, status=RunStatus.error)
                after_commit(
                    session, self._publisher(run_id, ended, run.thread_id), name="runs.publish"
                )
                return None
            run.status, run.started_at, run.attempt = RunStatus.running, utcnow(), run.attempt + 1
            run.updated_at = utcnow()
            thread.status, thread.updated_at = ThreadStatus.busy, utcnow()
            last_seq = await run_repository.last_seq(session, tenant_id=tenant_id, run_id=run_id)
            await session.flush()

        command = options.command
        graph_input: Any = options.input
        start = options.checkpoint_id  # None: the thread's latest checkpoint
        if run.attempt > 1 and await self._has_checkpoint_of(run):
            # An earlier attempt died after its input was checkpointed: continue from the last
            # checkpoint instead of feeding the input again (no duplicated messages).
            graph_input, command, start = None, None, None
        if command:
            graph_input = Command(
                resume=command.resume, update=command.update, goto=command.goto or ()
            )
        steps = int(fields.get("max_steps") or DEFAULT_MAX_STEPS)
        user_config = options.config
        config: dict[str, Any] = {
            **thread_config(tenant_id, run.thread_id, start),
            "recursion_limit": user_config.get("recursion_limit") or steps * 2 + 1,
            "tags": user_config.get("tags") or [],
            "metadata": {
                "run_id": str(run_id),
                "assistant_id": str(run.assistant_id),
                "graph_id": "agent",
                "thread_id": str(run.thread_id),
                "run_attempt": run.attempt,
            },
        }
        return Claim(
            run=run,
            options=options,
            context=context,
            totals=totals,
            last_seq=last_seq,
            graph_input=graph_input,
            config=config,
            max_seconds=float(fields.get("max_seconds") or self._settings.run_max_seconds),
            allow_private_urls=tenant.allow_private_provider_urls,
            outbound_allowlist=tuple(tenant.outbound_allowlist or ()),
        )

    async def _context(
        self, run: Any, fields: dict[str, Any], keys: dict[str, Any], plan_id: str, totals: Totals
    ) -> RunContext:
        limits = await self._tenants.plan_limits(plan_id)
        tools = fields.get("tools") or []
        if tools and not limits.has(Feature.tools):
            raise Forbidden("Your plan does not include tools", field="tools")
        if not limits.has(Feature.byok):
            keys = {}  # a plan without BYOK calls with the platform's keys only
        # Whose per-minute token windows the run's model calls count against: the run's
        # creator's (the meter reads the tenant, key, user and plan, never the role).
        meter = AuthContext(
            tenant_id=run.tenant_id,
            role=Role.member,
            user_id=run.user_id,
            api_key_id=run.api_key_id,
            plan_id=plan_id,
        )

        def on_usage(outcome: CallOutcome, cost: Decimal) -> None:
            totals.add(outcome, cost)
            used = outcome.usage.input_tokens + outcome.usage.output_tokens
            self._background.spawn(self._quotas.spend_tokens(meter, used), name="runs.spend_tokens")

        caller = Caller(
            tenant_id=run.tenant_id,
            user_id=run.user_id,
            api_key_id=run.api_key_id,
            allowed_models=limits.allowed_models,
            assistant_id=run.assistant_id,
            request_id=str(run.id),
            on_usage=on_usage,
            limits=limits,
            plan_id=plan_id,
        )
        model_id = self._providers.resolve(
            str(fields.get("model") or self._settings.default_model), caller
        )

        async def tenant_credentials(provider: str) -> Any:
            key = keys.get(provider)
            return self._provider_keys.open(key) if key is not None else None

        deployments = await self._providers.deployments(model_id, caller, tenant_credentials)
        policies = {t["name"]: t.get("policy", "allow") for t in tools}
        scope = ToolScope(
            tenant_id=run.tenant_id,
            user_id=run.user_id,
            api_key_id=run.api_key_id,
            thread_id=run.thread_id,
            run_id=run.id,
            assistant_id=run.assistant_id,
            plan_id=plan_id,
            knowledge_bases=tuple(uuid.UUID(str(kb)) for kb in fields.get("knowledge_bases") or ()),
            wanted=frozenset(name for name, policy in policies.items() if policy != "deny"),
        )
        return RunContext(
            caller=caller,
            providers=self._providers,
            deployments=deployments,
            instructions=fields.get("instructions"),
            temperature=fields.get("temperature"),
            max_tokens=fields.get("max_tokens"),
            max_run_tokens=fields.get("max_run_tokens"),
            tokens_spent=lambda: totals.input_tokens + totals.output_tokens,
            tool_policies=policies,
            tools=await resolve_tools(self._tool_sources, scope) if scope.wanted else {},
            retrieve=self._run_retrieve(caller, scope),
        )

    def _run_retrieve(self, caller: Caller, scope: ToolScope) -> Retrieve | None:
        """Retrieval for this run's questions from its assistant's knowledge bases and its
        thread's files (None when the root wired no retrieval)."""
        retrieve = self._retrieve
        if retrieve is None:
            return None
        bases, thread_id = scope.knowledge_bases, scope.thread_id

        async def run_retrieve(query: str) -> list[dict[str, Any]]:
            return await retrieve(caller, bases, thread_id, query)

        return run_retrieve

    async def execute(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> None:
        claim = await self._claim(tenant_id, run_id)
        if claim is None:
            return
        run = claim.run
        writer = self._events.writer(tenant_id, run_id, run.thread_id, claim.last_seq)
        if run.attempt > 1:
            writer.emit("metadata", {"run_id": str(run_id), "attempt": run.attempt})
        work = asyncio.current_task()
        assert work is not None
        started = time.perf_counter()
        outcome: tuple[RunStatus, dict[str, Any] | None] = (RunStatus.success, None)
        rolled_back = False
        try:
            with self._hub.executing(tenant_id, run_id, work):
                async with asyncio.timeout(claim.max_seconds):
                    await self._stream(claim, writer)
        except asyncio.CancelledError:
            action = await self._cancel_requested(tenant_id, run_id)
            if action is None:
                raise  # the worker itself is stopping: leave the run to be picked up again
            work.uncancel()
            rolled_back = action == CancelAction.rollback
            outcome = (RunStatus.interrupted, None)
        except TimeoutError:
            outcome = (
                RunStatus.timeout,
                {
                    "error": "TimeLimitReached",
                    "message": f"The run reached its limit of {claim.max_seconds:g} seconds",
                },
            )
        except GraphRecursionError:
            outcome = (
                RunStatus.error,
                {
                    "error": "StepLimitReached",
                    "message": "The run reached the assistant's step limit",
                },
            )
        except UpstreamError as exc:
            outcome = (RunStatus.error, {"error": "UpstreamError", "message": exc.message})
        except AtriumError as exc:
            outcome = (RunStatus.error, {"error": exc.code, "message": exc.message})
        except Exception as exc:  # a run must end with a status, whatever broke inside it
            _log.exception("run_failed", run_id=str(run_id))
            outcome = (
                RunStatus.error,
                {"error": type(exc).__name__, "message": "An internal error occurred"},
            )
        try:
            if rolled_back:
                await self._roll_back(claim)
                return
            await self._finish(claim, writer, outcome, time.perf_counter() - started)
        except Exception:
            # Recording the end failed: still end the run, or its readers would wait forever.
            _log.exception("run_finish_failed", run_id=str(run_id))
            await self._mark_failed(tenant_id, run_id, writer)

    async def _mark_failed(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID, writer: EventWriter
    ) -> None:
        """End a run whose normal ending could not be recorded (e.g. the database pool was
        exhausted): keep trying to store its pending events and an `error` event before the
        failed status, so a reader never sees a clean end with part of the reply missing."""
        error = {"error": "InternalError", "message": "An internal error occurred"}
        writer.emit("error", error)
        for attempt in range(5):
            try:
                await writer.flush()
                async with self._db.transaction(tenant_id=tenant_id) as session:
                    run = await run_repository.get(
                        session, tenant_id=tenant_id, run_id=run_id, lock=True
                    )
                    if run is None:
                        return
                    run.status, run.error, run.finished_at = RunStatus.error, error, utcnow()
                    thread = await thread_repository.get(
                        session, tenant_id=tenant_id, thread_id=run.thread_id, lock=True
                    )
                    if thread is not None:
                        thread.status, thread.error = ThreadStatus.error, error
                break
            except Exception:  # retried with backoff; the job's retry is the last resort
                _log.exception("run_mark_failed_retry", run_id=str(run_id), attempt=attempt)
                await asyncio.sleep(0.2 * 2**attempt)
        self._hub.publish(
            run_id,
            Batch((), writer.seq, ended=True, status=RunStatus.error),
            thread_id=writer.thread_id,
        )

    async def _cancel_requested(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> str | None:
        """The cancel action someone asked for (`interrupt` or `rollback`), if any."""
        async with self._db.transaction(tenant_id=tenant_id) as session:
            return await run_repository.cancel_requested(
                session, tenant_id=tenant_id, run_id=run_id
            )

    async def _roll_back(self, claim: Claim) -> None:
        """Cancelled with `rollback`: the run and every checkpoint it wrote disappear."""
        run = claim.run
        await self._agents.rollback(run.tenant_id, run.thread_id, run.id)
        snapshot = await self._agents.state(run.tenant_id, run.thread_id)
        async with self._db.transaction(tenant_id=run.tenant_id) as session:
            await run_repository.delete(session, tenant_id=run.tenant_id, run_id=run.id)
            thread = await thread_repository.get(
                session, tenant_id=run.tenant_id, thread_id=run.thread_id, lock=True
            )
            if thread is not None:
                thread.values = jsonable(snapshot.values) if snapshot.values else None
                thread.status, thread.interrupts, thread.error = ThreadStatus.idle, {}, None
                thread.updated_at = utcnow()
        self._hub.publish(
            run.id, Batch((), 0, ended=True, status=RunStatus.interrupted), thread_id=run.thread_id
        )
        _log.info("run_rolled_back", run_id=str(run.id))

    async def _stream(self, claim: Claim, writer: EventWriter) -> None:
        run, requested = claim.run, claim.options
        # In every stream mode: the passages the answer drew on, for a client to link.
        claim.context.on_citations = lambda citations: writer.emit(
            "citations", {"citations": jsonable(citations)}
        )
        graph = self._agents.graph
        internal = {"values", "updates"}
        wanted = set(requested.stream_mode)
        if wanted & {"messages", "messages-tuple"}:
            internal.add("messages")
        internal |= wanted & {"custom", "debug", "tasks", "checkpoints"}
        interrupts: list[dict[str, Any]] = []
        partial: dict[str, dict[str, Any]] = {}
        options: dict[str, Any] = {
            "context": claim.context,
            "stream_mode": sorted(internal),
            "interrupt_before": requested.interrupt_before,
            "interrupt_after": requested.interrupt_after,
        }
        if requested.durability is not None:
            options["durability"] = requested.durability.value
        config = cast(RunnableConfig, claim.config)
        stream = (
            self._with_events(graph, claim.graph_input, config, options, writer)
            if "events" in wanted
            else _chunks(graph, claim.graph_input, config, options, requested.stream_subgraphs)
        )
        async for namespace, mode, chunk in stream:
            # As LangGraph's server names them: a subgraph's events carry its namespace.
            suffix = "|" + "|".join(namespace) if namespace else ""
            if mode == "values" and "values" in wanted:
                writer.emit("values" + suffix, jsonable(chunk))
            elif mode == "updates":
                if "updates" in wanted:
                    writer.emit("updates" + suffix, jsonable(chunk))
                if "__interrupt__" in chunk and not namespace:
                    interrupts.extend(
                        {"value": i.value, "id": i.id} for i in chunk["__interrupt__"]
                    )
            elif mode == "messages":
                message, metadata = chunk
                meta = jsonable({**metadata, "thread_id": str(run.thread_id)})
                data = jsonable(message)
                if "messages-tuple" in wanted:
                    writer.emit("messages" + suffix, [data, meta])
                if "messages" in wanted:
                    key = str(data.get("id"))
                    if key not in partial:
                        writer.emit("messages/metadata" + suffix, {key: {"metadata": meta}})
                        partial[key] = {**data, "content": ""}
                    accumulated = partial[key]
                    if isinstance(data.get("content"), str):
                        accumulated["content"] = (
                            str(accumulated.get("content", "")) + data["content"]
                        )
                    writer.emit("messages/partial" + suffix, [accumulated])
            elif mode in ("custom", "tasks") and mode in wanted:
                writer.emit(mode + suffix, jsonable(chunk))
            elif mode == "checkpoints" and "checkpoints" in wanted:
                writer.emit("checkpoints" + suffix, _checkpoint_event(run.thread_id, chunk))
            elif mode == "debug" and "debug" in wanted:
                debug = jsonable(chunk)
                if chunk.get("type") == "checkpoint":  # shaped like a `checkpoints` event
                    debug["payload"] = _checkpoint_event(run.thread_id, chunk["payload"])
                writer.emit("debug" + suffix, debug)
        if interrupts and "values" in wanted:
            # As LangGraph's server does: the last `values` event carries the pending interrupts,
            # so `wait` and `join` answer with them. (The thread's latest state: a run started
            # from an earlier checkpoint has forked from it.)
            state = await graph.aget_state(thread_config(run.tenant_id, run.thread_id))
            values = jsonable(state.values) or {}
            writer.emit("values", {**values, "__interrupt__": jsonable(interrupts)})

    async def _with_events(
        self,
        graph: Any,
        graph_input: Any,
        config: RunnableConfig,
        options: dict[str, Any],
        writer: EventWriter,
    ) -> AsyncIterator[tuple[tuple[str, ...], str, Any]]:
        """Stream mode `events`: LangChain's v2 event stream, written as `events` events; the
        graph's own stream chunks ride inside it and are handed on to the other modes (the
        events of subgraphs are in that stream already)."""
        async for event in graph.astream_events(graph_input, config, version="v2", **options):
            writer.emit("events", jsonable(event))
            if event["event"] == "on_chain_stream" and not event.get("parent_ids"):
                mode, chunk = event["data"]["chunk"]
                yield (), mode, chunk

    async def _finish(
        self,
        claim: Claim,
        writer: EventWriter,
        outcome: tuple[RunStatus, dict[str, Any] | None],
        elapsed: float,
    ) -> None:
        run = claim.run
        status, error = outcome
        snapshot = await self._agents.state(run.tenant_id, run.thread_id)
        interrupts = interrupts_of(snapshot)
        if status == RunStatus.success and interrupts:
            status = RunStatus.interrupted
        if error is not None:
            writer.emit("error", error)
        if self._settings.checkpoint_history and status != RunStatus.interrupted:
            await self._prune(run)
        await writer.flush()
        async with self._db.transaction(tenant_id=run.tenant_id) as session:
            row = await run_repository.get(
                session, tenant_id=run.tenant_id, run_id=run.id, lock=True
            )
            thread = await thread_repository.get(
                session, tenant_id=run.tenant_id, thread_id=run.thread_id, lock=True
            )
            if row is not None:
                row.status = status
                row.error = error
                row.finished_at = row.updated_at = utcnow()
                row.input_tokens = claim.totals.input_tokens
                row.output_tokens = claim.totals.output_tokens
                row.cost_usd = claim.totals.cost
                row.model = claim.totals.model
            if thread is not None:
                thread.values = jsonable(snapshot.values) if snapshot.values else thread.values
                thread.status = (
                    ThreadStatus.error
                    if status in (RunStatus.error, RunStatus.timeout)
                    else (ThreadStatus.interrupted if interrupts else ThreadStatus.idle)
                )
                thread.interrupts = {
                    task.id: [{"value": jsonable(i.value), "id": i.id} for i in task.interrupts]
                    for task in snapshot.tasks
                    if task.interrupts
                }
                thread.error = error
                thread.updated_at = utcnow()
            if claim.context.tool_log and row is not None:
                await run_repository.add_tool_calls(
                    session,
                    [
                        ToolCall(
                            tenant_id=run.tenant_id,
                            run_id=run.id,
                            call_id=t.call_id,
                            name=t.name,
                            input=jsonable(t.input),
                            output=t.output[:20_000],
                            status=t.status,
                            latency_ms=t.latency_ms,
                            approval=t.approval,
                            # A decision comes with the resume command of this run, so
                            # the person who decided is this run's creator.
                            approved_by=run.user_id if t.approval is not None else None,
                        )
                        for t in claim.context.tool_log
                    ],
                )
        self._hub.publish(
            run.id, Batch((), writer.seq, ended=True, status=status), thread_id=run.thread_id
        )
        _log.info("run_finished", run_id=str(run.id), status=status, seconds=round(elapsed, 3))
        webhook = claim.options.webhook
        if webhook and row is not None:
            payload = {
                "run_id": str(run.id),
                "thread_id": str(run.thread_id),
                "assistant_id": str(run.assistant_id),
                "status": status,
                "error": error,
                "values": thread.values if thread is not None else None,
            }
            self._background.spawn(
                webhooks.deliver(
                    webhook,
                    payload,
                    secret=webhooks.secret_for(self._settings.resolved_secret_key(), run.tenant_id),
                    allow_private=claim.allow_private_urls,
                    allowlist=claim.outbound_allowlist,
                ),
                name="runs.webhook",
            )
        if claim.options.delete_thread and status != RunStatus.interrupted:
            await self._threads.delete_temporary(tenant_id=run.tenant_id, thread_id=run.thread_id)

    async def _prune(self, run: Any) -> None:
        """Retention (checkpoint tables must not grow without bound), before the run's end is
        committed: whoever waits for the run then finds the thread's history settled."""
        try:
            await self._agents.prune(
                run.tenant_id, run.thread_id, self._settings.checkpoint_history
            )
        except Exception:  # retention is tried again after the thread's next run
            _log.exception("checkpoint_prune_failed", run_id=str(run.id))

    def _publisher(self, run_id: uuid.UUID, batch: Batch, thread_id: uuid.UUID) -> Any:
        async def publish() -> None:
            self._hub.publish(run_id, batch, thread_id=thread_id)

        return publish

    async def _has_checkpoint_of(self, run: Any) -> bool:
        snapshot = await self._agents.state(run.tenant_id, run.thread_id)
        metadata = snapshot.metadata or {}
        return metadata.get("run_id") == str(run.id)


async def _chunks(
    graph: Any, graph_input: Any, config: RunnableConfig, options: dict[str, Any], subgraphs: bool
) -> AsyncIterator[tuple[tuple[str, ...], str, Any]]:
    """The graph's stream as (namespace, mode, chunk); the namespace is empty for the graph
    itself and names the subgraph otherwise (with `subgraphs`)."""
    if subgraphs:
        async for namespace, mode, chunk in graph.astream(
            graph_input, config, subgraphs=True, **options
        ):
            yield tuple(namespace), mode, chunk
    else:
        async for mode, chunk in graph.astream(graph_input, config, **options):
            yield (), mode, chunk


def _checkpoint_event(thread_id: uuid.UUID, chunk: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint as LangGraph's server streams it (mode `checkpoints`): the graph's
    payload (config, parent_config, values, metadata, next, tasks) plus `checkpoint` and
    `parent_checkpoint` read from the configs, which name the thread by its public id
    rather than the checkpointer's `<tenant_id>:<thread_id>` key."""
    data: dict[str, Any] = jsonable(chunk)
    for key, ref in (("config", "checkpoint"), ("parent_config", "parent_checkpoint")):
        configurable = (data.get(key) or {}).get("configurable")
        if configurable is None:
            data[ref] = None
            continue
        configurable["thread_id"] = str(thread_id)
        data[ref] = {
            "thread_id": str(thread_id),
            "checkpoint_ns": configurable.get("checkpoint_ns", ""),
            "checkpoint_id": configurable.get("checkpoint_id"),
            "checkpoint_map": configurable.get("checkpoint_map"),
        }
    for task in data.get("tasks") or []:
        task.setdefault("state", None)  # a subgraph's state; the `agent` graph has none
    return data
