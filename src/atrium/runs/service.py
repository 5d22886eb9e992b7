"""Runs: one turn of an assistant on a thread, queued durably and executed by a worker.

One thread has at most one active run; a new run on a busy thread follows its
`multitask_strategy`: reject (409), enqueue (after the active one), interrupt or rollback
(cancel the active one first).
"""

from __future__ import annotations

import uuid
from typing import Any

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.assistants.service import AssistantService
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, may
from atrium.kit.db import Database, after_commit, driver_connection
from atrium.kit.errors import BadRequest, Conflict, Forbidden, NotFound
from atrium.kit.models import utcnow
from atrium.runs import modes, tasks
from atrium.runs.executor import DEFAULT_MAX_STEPS
from atrium.runs.hub import Batch, LiveEvent, RunHub
from atrium.runs.limits import RunLimits
from atrium.runs.models import Run
from atrium.runs.reader import RunReader
from atrium.runs.repository import run_repository
from atrium.runs.schemas import (
    ACTIVE,
    CancelAction,
    MultitaskStrategy,
    OnCompletion,
    RunCreate,
    RunOptions,
    RunStatus,
)
from atrium.threads.models import Thread
from atrium.threads.schemas import ThreadCreate, ThreadStatus
from atrium.threads.service import ThreadService


def _bounded(
    assistant_context: dict[str, Any], config: dict[str, Any] | None, context: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The run's config and context with its steps bounded by the assistant's: a client may
    ask for fewer model/tool steps than the assistant allows, never for more (the executor
    turns `max_steps` into LangGraph's recursion limit, 2 supersteps a step plus the end)."""
    steps = int(assistant_context.get("max_steps") or DEFAULT_MAX_STEPS)
    config = dict(config or {})
    asked = config.get("recursion_limit")
    if asked is not None:
        limit = steps * 2 + 1
        usable = isinstance(asked, int) and not isinstance(asked, bool) and asked >= 1
        config["recursion_limit"] = min(asked, limit) if usable else limit
    if context is not None and int(context.get("max_steps") or 0) > steps:
        context = {**context, "max_steps": steps}
    return config, context


_STRICTNESS = {"allow": 0, "ask": 1, "deny": 2}


def _narrowed(assistant_context: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The run's context for a caller who may not change the assistant: it may narrow what
    the assistant does, never widen it. Its tools must be the assistant's (with their
    configuration), each with a policy at least as strict (403 otherwise: a member must
    not turn an `ask` into `allow` for a run any more than on the assistant); its budgets
    (`max_run_tokens`, `max_seconds`) are bounded by the assistant's."""
    narrowed = dict(context)
    if context.get("tools") is not None:
        own = {t["name"]: t for t in assistant_context.get("tools") or []}
        tools = []
        for tool in context["tools"]:
            base = own.get(tool["name"])
            policy = tool.get("policy", "allow")
            if base is None or _STRICTNESS[policy] < _STRICTNESS[base.get("policy", "allow")]:
                raise Forbidden(
                    f"Only who may change this assistant may add the tool `{tool['name']}` "
                    "to its runs or loosen its policy",
                    field="context.tools",
                )
            tools.append({**base, "policy": policy})
        narrowed["tools"] = tools
    for name in ("max_run_tokens", "max_seconds"):
        ceiling = assistant_context.get(name)
        if ceiling is not None and name in context and context[name] > ceiling:
            narrowed[name] = ceiling
    return narrowed


def first_event(run: Run) -> LiveEvent:
    """The event every run starts with, stored when the run is created."""
    return LiveEvent(1, "metadata", {"run_id": str(run.id), "attempt": 1})


class RunService:
    def __init__(
        self,
        *,
        db: Database,
        hub: RunHub,
        queue: procrastinate.App,
        wakeups: tasks.DueWakeups,
        reader: RunReader,
        assistant_service: AssistantService,
        thread_service: ThreadService,
        limits: RunLimits,
    ) -> None:
        self._limits = limits
        self._db, self._hub, self._queue, self._reader = db, hub, queue, reader
        self._wakeups = wakeups
        self._assistants, self._threads = assistant_service, thread_service

    async def create(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        thread_ref: str | None,
        data: RunCreate,
        background: bool = False,
    ) -> tuple[Run, Thread]:
        """Create a run and queue it. Without a thread it gets a temporary one, which its
        worker deletes at the end of a `background` run (`on_completion: delete`); whoever
        streams or waits for a run deletes it otherwise, once the output is read."""
        await self._limits.admit(session=session, auth=auth)
        stream_modes = modes.parse(data.stream_mode)
        if data.command is not None and data.command.resume is not None and thread_ref is None:
            raise BadRequest("A command needs a thread to resume", field="command")
        thread = await self._thread(session=session, auth=auth, ref=thread_ref, data=data)
        assistant = await self._assistants.get(session=session, auth=auth, ref=data.assistant_id)
        resuming = data.command is not None and data.command.resume is not None
        if resuming and thread.status != ThreadStatus.interrupted:
            raise BadRequest(
                "The thread has nothing to resume: it is not interrupted", field="command"
            )
        checkpoint_id = data.start_checkpoint()
        if checkpoint_id is not None and not await self._threads.has_checkpoint(
            thread=thread, checkpoint_id=checkpoint_id
        ):
            raise NotFound("Checkpoint not found", field="checkpoint_id")
        active = await run_repository.active_for_thread(
            session, tenant_id=auth.tenant_id, thread_id=thread.id
        )
        if active:
            if data.multitask_strategy == MultitaskStrategy.reject:
                raise Conflict(
                    "Thread is already running a task. Wait for it to finish or "
                    "choose a different multitask strategy."
                )
            if data.multitask_strategy != MultitaskStrategy.enqueue:
                action = CancelAction(data.multitask_strategy.value)
                for other in active:
                    await self._cancel(session=session, run=other, action=action)
        asked = data.context.model_dump(mode="json", exclude_none=True) if data.context else None
        if asked and not may(
            auth, Resource.assistants, Action.change, owner_id=assistant.created_by
        ):
            asked = _narrowed(assistant.context, asked)
        config, context = _bounded(assistant.context, data.config, asked)
        run = Run(
            tenant_id=auth.tenant_id,
            id=uuid.uuid4(),
            thread_id=thread.id,
            assistant_id=assistant.id,
            assistant_version=assistant.version,
            user_id=auth.user_id,
            api_key_id=auth.api_key_id,
            status=RunStatus.pending,
            multitask_strategy=data.multitask_strategy,
            metadata_={
                **(data.metadata or {}),
                "assistant_id": str(assistant.id),
                "graph_id": assistant.graph_id,
            },
            kwargs=RunOptions(
                input=data.input,
                command=data.command,
                config=config,
                context=context,
                stream_mode=stream_modes,
                stream_subgraphs=data.stream_subgraphs,
                stream_resumable=data.stream_resumable,
                checkpoint_id=checkpoint_id,
                durability=data.effective_durability(),
                interrupt_before=data.interrupt_before,
                interrupt_after=data.interrupt_after,
                webhook=data.webhook,
                on_disconnect=data.on_disconnect,
                on_completion=data.on_completion,
                after_seconds=data.after_seconds,
                delete_thread=background
                and thread_ref is None
                and data.on_completion == OnCompletion.delete,
            ).stored(),
        )
        await run_repository.add(session, run)
        # The first event exists before any worker picks the run up, so a client streaming a
        # queued run hears from it at once.
        await run_repository.add_events(session, [first_event(run).row(auth.tenant_id, run.id)])

        thread_id, after_seconds = thread.id, data.after_seconds

        async def announce() -> None:
            self._hub.wake_thread(thread_id)
            if after_seconds:
                self._wakeups.after(after_seconds)  # the queue's workers, when it falls due

        after_commit(session, announce, name="runs.created")
        # The job is written in this transaction: a run never exists without its job (a
        # crash between a commit and a separate enqueue would leave it pending forever).
        await tasks.enqueue(
            self._queue,
            tenant_id=auth.tenant_id,
            thread_id=thread.id,
            run_id=run.id,
            after_seconds=data.after_seconds,
            connection=await driver_connection(session),
        )
        return run, thread

    async def _thread(
        self, *, session: AsyncSession, auth: AuthContext, ref: str | None, data: RunCreate
    ) -> Thread:
        if ref is None:
            return await self._threads.create(
                session=session, auth=auth, data=ThreadCreate(metadata={"stateless": True})
            )
        try:
            return await self._threads.get(session=session, auth=auth, ref=ref, lock=True)
        except NotFound:
            if data.if_not_exists != "create":
                raise
        return await self._threads.create(
            session=session, auth=auth, data=ThreadCreate(thread_id=uuid.UUID(ref))
        )

    async def _cancel(self, *, session: AsyncSession, run: Run, action: CancelAction) -> None:
        if run.status == RunStatus.pending:
            if (
                action == CancelAction.rollback
            ):  # it never started: nothing to undo but the run itself
                await run_repository.delete(session, tenant_id=run.tenant_id, run_id=run.id)
            else:
                run.status, run.finished_at, run.updated_at = (
                    RunStatus.interrupted,
                    utcnow(),
                    utcnow(),
                )
                run.cancel_action = action
                await session.flush()
            last = await run_repository.last_seq(session, tenant_id=run.tenant_id, run_id=run.id)
            ended_id, ended_thread = run.id, run.thread_id
            ended = Batch((), last, ended=True, status=RunStatus.interrupted)

            async def tell_readers() -> None:
                self._hub.publish(ended_id, ended, thread_id=ended_thread)

            after_commit(session, tell_readers, name="runs.cancelled")
            return
        await run_repository.request_cancel(
            session, tenant_id=run.tenant_id, run_id=run.id, action=action
        )
        run_id = run.id

        async def stop_it() -> None:
            # Once the request is committed, the hub stops the run on whichever process
            # executes it; its sweep does so within half a second if the message is lost.
            self._hub.cancel(run_id)

        after_commit(session, stop_it, name="runs.cancel")

    async def cancel_run(
        self,
        *,
        tenant_id: uuid.UUID,
        run_id: uuid.UUID,
        action: CancelAction = CancelAction.interrupt,
    ) -> None:
        """Cancel a run by id, in a transaction of its own (its stream's client went away and
        had asked for that)."""
        async with self._db.transaction(tenant_id=tenant_id) as session:
            run = await run_repository.get(session, tenant_id=tenant_id, run_id=run_id, lock=True)
            if run is not None and run.status in ACTIVE:
                await self._cancel(session=session, run=run, action=action)

    # For endpoints that stream or wait: each commits its short work in a transaction of its
    # own before returning, so no connection stays taken for as long as the stream or the
    # wait lasts.

    async def start(self, *, auth: AuthContext, thread_ref: str | None, data: RunCreate) -> Run:
        """`create`, committed (with its job) when this returns."""
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            run, _ = await self.create(session=session, auth=auth, thread_ref=thread_ref, data=data)
        return run

    async def find(self, *, auth: AuthContext, thread_ref: str, run_ref: str) -> Run:
        """`get`, in a transaction of its own."""
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            return await self.get(
                session=session, auth=auth, thread_ref=thread_ref, run_ref=run_ref
            )

    async def join_position(
        self, *, auth: AuthContext, thread_ref: str, run_ref: str, after: int | None
    ) -> tuple[Run, int]:
        """The run to join and the event to stream after: `after`, or without it the run's
        latest (a joining client hears what happens from now on, as on LangGraph's server)."""
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            run = await self.get(session=session, auth=auth, thread_ref=thread_ref, run_ref=run_ref)
            if after is None:
                after = await run_repository.last_seq(
                    session, tenant_id=run.tenant_id, run_id=run.id
                )
        return run, after

    async def find_thread(self, *, auth: AuthContext, thread_ref: str) -> Thread:
        """The caller's thread, in a transaction of its own (to follow its stream)."""
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            return await self._threads.get(session=session, auth=auth, ref=thread_ref)

    async def get(
        self, *, session: AsyncSession, auth: AuthContext, thread_ref: str, run_ref: str
    ) -> Run:
        thread = await self._threads.get(session=session, auth=auth, ref=thread_ref)
        run = await run_repository.get(session, tenant_id=auth.tenant_id, run_id=_uuid(run_ref))
        if run is None or run.thread_id != thread.id:
            raise NotFound("Run not found")
        return run

    async def list_for_thread(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        thread_ref: str,
        status: str | None,
        limit: int,
        offset: int,
    ) -> list[Run]:
        thread = await self._threads.get(session=session, auth=auth, ref=thread_ref)
        return await run_repository.list_for_thread(
            session,
            tenant_id=auth.tenant_id,
            thread_id=thread.id,
            status=status,
            limit=limit,
            offset=offset,
        )

    async def delete(
        self, *, session: AsyncSession, auth: AuthContext, thread_ref: str, run_ref: str
    ) -> None:
        run = await self.get(session=session, auth=auth, thread_ref=thread_ref, run_ref=run_ref)
        if run.status in ACTIVE:
            raise Conflict("The run is still active; cancel it first")
        await run_repository.delete(session, tenant_id=auth.tenant_id, run_id=run.id)

    async def cancel(
        self, *, auth: AuthContext, thread_ref: str, run_ref: str, action: CancelAction
    ) -> Run:
        """Cancel one active run, committed when this returns (its caller may wait for it)."""
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            run = await self.get(session=session, auth=auth, thread_ref=thread_ref, run_ref=run_ref)
            if run.status not in ACTIVE:
                raise NotFound("No matching runs to cancel")
            await self._cancel(session=session, run=run, action=action)
        return run

    async def cancel_many(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        thread_id: uuid.UUID | None,
        run_ids: list[uuid.UUID] | None,
        status: str | None,
        action: CancelAction,
    ) -> int:
        """Cancel the active runs named by thread and ids, or by status, among those of the
        threads the caller can see."""
        if status is not None and (thread_id is not None or run_ids):
            raise BadRequest("Give either a status, or a thread and run ids", field="status")
        if thread_id is not None:
            await self._threads.get(session=session, auth=auth, ref=thread_id)
        runs = await run_repository.active(
            session, tenant_id=auth.tenant_id, thread_id=thread_id, run_ids=run_ids, status=status
        )
        # A member reaches only the runs of their own threads; the others are as absent.
        visible = await self._threads.visible_ids(
            session=session, auth=auth, thread_ids={r.thread_id for r in runs}
        )
        runs = [r for r in runs if r.thread_id in visible]
        if not runs:
            raise NotFound("No matching runs to cancel")
        for run in runs:
            await self._cancel(session=session, run=run, action=action)
        return len(runs)

    async def wait_for(self, *, run: Run) -> dict[str, Any]:
        """Block until the run ends (woken by its completion), then return its output. A run
        rolled back meanwhile is gone: the wait completes with the thread's state as it is
        now (as on LangGraph's server, where such a wait completes too)."""
        await self._reader.wait_ended(run.tenant_id, run.id)
        async with self._db.transaction(tenant_id=run.tenant_id) as session:
            ended = await run_repository.get(session, tenant_id=run.tenant_id, run_id=run.id)
            if ended is None:
                return await self._thread_output(session, run.tenant_id, run.thread_id)
            return await self._output(session, ended)

    async def _output(self, session: AsyncSession, run: Run) -> dict[str, Any]:
        if run.status in (RunStatus.error, RunStatus.timeout):
            return {"__error__": run.error or {"error": "Error", "message": "The run failed"}}
        events = await run_repository.events_after(
            session, tenant_id=run.tenant_id, run_id=run.id, after=0, limit=100_000
        )
        values = [e.data for e in events if e.event == "values"]
        if values:
            return dict(values[-1])
        return await self._thread_output(session, run.tenant_id, run.thread_id)

    async def _thread_output(
        self, session: AsyncSession, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> dict[str, Any]:
        thread = await self._threads.get_any(
            session=session, tenant_id=tenant_id, thread_id=thread_id
        )
        output: dict[str, Any] = dict(thread.values or {}) if thread else {}
        if thread is not None and thread.interrupts:
            output["__interrupt__"] = [i for group in thread.interrupts.values() for i in group]
        return output


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("Run not found") from None
