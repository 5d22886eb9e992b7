"""HTTP for runs, shaped like LangGraph's Agent Server: background, streamed (SSE) and
waited runs, joins, resumable streams and cancellation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from atrium.auth.context import AuthContext
from atrium.auth.dependencies import (
    AuthDep,
    BriefAuthDep,
    SessionServiceDep,
    TenantAdminDep,
    check_csrf,
)
from atrium.kit.deps import SessionDep, SettingsDep, provided
from atrium.kit.http import StreamSlots, stream_holder
from atrium.quotas.dependencies import QuotaServiceDep, admit
from atrium.runs import modes, sse, webhooks
from atrium.runs.dependencies import RunServiceDep, RunStreamsDep
from atrium.runs.models import Run
from atrium.runs.schemas import (
    CancelAction,
    CancelMany,
    MultitaskStrategy,
    OnCompletion,
    OnDisconnect,
    RunCreate,
    RunOptions,
    RunOutputPublic,
    RunPublic,
    RunStatus,
    UsagePublic,
    WebhookSecretPublic,
)
from atrium.runs.service import RunService, first_event
from atrium.runs.sse import RunStreams
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.service import ThreadService

router = APIRouter(tags=["runs"])

# Open streams per API key (or user) are capped: `ATRIUM_MAX_STREAMS_PER_KEY`, 429 beyond.
StreamSlotsDep = Annotated[StreamSlots, Depends(provided("stream_slots"))]


def public(run: Run) -> RunPublic:
    return RunPublic(
        run_id=run.id,
        thread_id=run.thread_id,
        assistant_id=run.assistant_id,
        created_at=run.created_at,
        updated_at=run.updated_at,
        status=RunStatus(run.status),
        metadata=run.metadata_,
        multitask_strategy=MultitaskStrategy(run.multitask_strategy),
        options=RunOptions.model_validate(run.kwargs).public(),
        assistant_version=run.assistant_version,
        model=run.model,
        usage=UsagePublic(
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cost_usd=str(run.cost_usd),
        ),
        error=run.error,
    )


# Documents the body of the endpoints that answer with server-sent events.
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: `event: <name>`, `data: <json>`, `id: <seq>`",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def _paths(run: Run, stateless: bool) -> tuple[str | None, str]:
    if stateless:
        return None, f"/runs/{run.id}"
    base = f"/threads/{run.thread_id}/runs/{run.id}"
    return f"{base}/stream", base


async def _stream(
    *,
    auth: AuthContext,
    run: Run,
    stateless: bool,
    runs: RunService,
    threads: ThreadService,
    streams: RunStreams,
) -> sse.EventStreamResponse:
    options = RunOptions.model_validate(run.kwargs)

    async def cancel_on_disconnect() -> None:
        if options.on_disconnect == OnDisconnect.cancel:
            await runs.cancel_run(tenant_id=auth.tenant_id, run_id=run.id)

    async def cleanup() -> None:
        if stateless and options.on_completion == OnCompletion.delete:
            await threads.delete_temporary(tenant_id=auth.tenant_id, thread_id=run.thread_id)

    # The run was just created with its first event: send it without reading it back.
    first = first_event(run)
    body = streams.follow(
        auth.tenant_id,
        run.id,
        after=first.seq,
        wanted=None,
        prelude=sse.frame(first.event, first.data, first.seq),
        just_created=True,
        on_disconnect=cancel_on_disconnect,
        on_done=cleanup,
    )
    location, content_location = _paths(run, stateless)
    return sse.response(body, location=location, content_location=content_location)


# Endpoints that stream or wait take `BriefAuthDep` (no request session): their service
# commits the short work before the stream or the wait begins.


@router.post("/threads/{thread_id}/runs")
async def create_run(
    thread_id: str,
    data: RunCreate,
    auth: AuthDep,
    session: SessionDep,
    run_service: RunServiceDep,
    response: Response,
    request: Request,
    quotas: QuotaServiceDep,
) -> RunPublic:
    """Start a background run on a thread."""
    await admit(request, quotas, auth, session=session)
    run, _ = await run_service.create(session=session, auth=auth, thread_ref=thread_id, data=data)
    response.headers["Content-Location"] = _paths(run, False)[1]
    return public(run)


@router.post(
    "/threads/{thread_id}/runs/stream",
    response_class=sse.EventStreamResponse,
    responses=SSE_RESPONSE,
)
async def stream_run(
    thread_id: str,
    data: RunCreate,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    thread_service: ThreadServiceDep,
    streams: RunStreamsDep,
    slots: StreamSlotsDep,
    request: Request,
    quotas: QuotaServiceDep,
) -> sse.EventStreamResponse:
    """Start a run and stream its events (SSE)."""
    await admit(request, quotas, auth)

    async def stream() -> sse.EventStreamResponse:
        run = await run_service.start(auth=auth, thread_ref=thread_id, data=data)
        return await _stream(
            auth=auth,
            run=run,
            stateless=False,
            runs=run_service,
            threads=thread_service,
            streams=streams,
        )

    return await slots.hold(stream_holder(auth), stream)


@router.post("/threads/{thread_id}/runs/wait", response_model=RunOutputPublic)
async def wait_run(
    thread_id: str,
    data: RunCreate,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    request: Request,
    quotas: QuotaServiceDep,
) -> JSONResponse:
    """Start a run and answer with its final state when it ends."""
    await admit(request, quotas, auth)
    run = await run_service.start(auth=auth, thread_ref=thread_id, data=data)
    output = await run_service.wait_for(run=run)
    base = _paths(run, False)[1]
    return JSONResponse(output, headers={"Location": f"{base}/join", "Content-Location": base})


@router.post("/runs")
async def create_stateless_run(
    data: RunCreate,
    auth: AuthDep,
    session: SessionDep,
    run_service: RunServiceDep,
    response: Response,
    request: Request,
    quotas: QuotaServiceDep,
) -> RunPublic:
    """Start a background run on a new, temporary thread."""
    await admit(request, quotas, auth, session=session)
    run, _ = await run_service.create(
        session=session, auth=auth, thread_ref=None, data=data, background=True
    )
    response.headers["Content-Location"] = f"/runs/{run.id}"
    return public(run)


@router.post("/runs/batch")
async def create_batch(
    data: Annotated[list[RunCreate], Body(max_length=100)],
    auth: AuthDep,
    session: SessionDep,
    run_service: RunServiceDep,
    request: Request,
    quotas: QuotaServiceDep,
) -> list[RunPublic]:
    """Start several background runs, each on a new temporary thread."""
    await admit(request, quotas, auth, requests=max(1, len(data)), session=session)
    created = []
    for item in data:
        run, _ = await run_service.create(
            session=session, auth=auth, thread_ref=None, data=item, background=True
        )
        created.append(public(run))
    return created


@router.post("/runs/stream", response_class=sse.EventStreamResponse, responses=SSE_RESPONSE)
async def stream_stateless_run(
    data: RunCreate,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    thread_service: ThreadServiceDep,
    streams: RunStreamsDep,
    slots: StreamSlotsDep,
    request: Request,
    quotas: QuotaServiceDep,
) -> sse.EventStreamResponse:
    """Run on a temporary thread and stream its events."""
    await admit(request, quotas, auth)

    async def stream() -> sse.EventStreamResponse:
        run = await run_service.start(auth=auth, thread_ref=None, data=data)
        return await _stream(
            auth=auth,
            run=run,
            stateless=True,
            runs=run_service,
            threads=thread_service,
            streams=streams,
        )

    return await slots.hold(stream_holder(auth), stream)


@router.post("/runs/wait", response_model=RunOutputPublic)
async def wait_stateless_run(
    data: RunCreate,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    thread_service: ThreadServiceDep,
    request: Request,
    quotas: QuotaServiceDep,
) -> JSONResponse:
    """Run on a temporary thread and answer with the final state."""
    await admit(request, quotas, auth)
    run = await run_service.start(auth=auth, thread_ref=None, data=data)
    output = await run_service.wait_for(run=run)
    if data.on_completion == OnCompletion.delete:
        await thread_service.delete_temporary(tenant_id=auth.tenant_id, thread_id=run.thread_id)
    return JSONResponse(output, headers={"Content-Location": f"/runs/{run.id}"})


@router.post("/runs/cancel", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_runs(
    data: CancelMany,
    auth: AuthDep,
    session: SessionDep,
    run_service: RunServiceDep,
    action: Annotated[CancelAction, Query()] = CancelAction.interrupt,
) -> Response:
    """Cancel several runs: by thread and ids, or every pending or running one."""
    await run_service.cancel_many(
        session=session,
        auth=auth,
        thread_id=data.thread_id,
        run_ids=data.run_ids,
        status=data.status,
        action=action,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/threads/{thread_id}/runs")
async def list_runs(
    thread_id: str,
    auth: AuthDep,
    session: SessionDep,
    run_service: RunServiceDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
) -> list[RunPublic]:
    """The thread's runs, newest first."""
    runs = await run_service.list_for_thread(
        session=session, auth=auth, thread_ref=thread_id, status=status_, limit=limit, offset=offset
    )
    return [public(r) for r in runs]


@router.get("/threads/{thread_id}/runs/{run_id}")
async def get_run(
    thread_id: str, run_id: str, auth: AuthDep, session: SessionDep, run_service: RunServiceDep
) -> RunPublic:
    """One run: status, assistant version, model, usage and error."""
    return public(
        await run_service.get(session=session, auth=auth, thread_ref=thread_id, run_ref=run_id)
    )


@router.delete("/threads/{thread_id}/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_run(
    thread_id: str, run_id: str, auth: AuthDep, session: SessionDep, run_service: RunServiceDep
) -> Response:
    """Delete a finished run."""
    await run_service.delete(session=session, auth=auth, thread_ref=thread_id, run_ref=run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/threads/{thread_id}/runs/{run_id}/join", response_model=RunOutputPublic)
async def join_run(
    thread_id: str, run_id: str, auth: BriefAuthDep, run_service: RunServiceDep
) -> JSONResponse:
    """Wait for the run to end and answer with the thread's final state."""
    run = await run_service.find(auth=auth, thread_ref=thread_id, run_ref=run_id)
    output = await run_service.wait_for(run=run)
    return JSONResponse(
        output, headers={"Location": f"/threads/{run.thread_id}/runs/{run.id}/join"}
    )


@router.get(
    "/threads/{thread_id}/runs/{run_id}/stream",
    response_class=sse.EventStreamResponse,
    responses=SSE_RESPONSE,
)
async def join_stream(
    thread_id: str,
    run_id: str,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    streams: RunStreamsDep,
    slots: StreamSlotsDep,
    request: Request,
    sessions: SessionServiceDep,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    cancel_on_disconnect: Annotated[bool, Query()] = False,
    last_event_id: Annotated[str | None, Header()] = None,
) -> sse.EventStreamResponse:
    """Join a run's event stream; with `Last-Event-ID`, replay what came after that id.
    `cancel_on_disconnect` makes this GET cancel the run, so a browser session must send its
    CSRF token with it (a link on another site must not be able to stop someone's run)."""
    if cancel_on_disconnect:
        check_csrf(request, sessions)

    async def stream() -> sse.EventStreamResponse:
        run, after = await run_service.join_position(
            auth=auth,
            thread_ref=thread_id,
            run_ref=run_id,
            after=sse.parse_last_event_id(last_event_id) if last_event_id else None,
        )
        requested = [m for m in (stream_mode or []) if m]
        wanted = modes.parse(requested) if requested else None

        async def cancel() -> None:
            if cancel_on_disconnect:
                await run_service.cancel_run(tenant_id=auth.tenant_id, run_id=run.id)

        body = streams.follow(
            auth.tenant_id, run.id, after=after, wanted=wanted, on_disconnect=cancel
        )
        location, content_location = _paths(run, False)
        return sse.response(body, location=location, content_location=content_location)

    return await slots.hold(stream_holder(auth), stream)


@router.get(
    "/threads/{thread_id}/stream", response_class=sse.EventStreamResponse, responses=SSE_RESPONSE
)
async def join_thread_stream(
    thread_id: str,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    streams: RunStreamsDep,
    slots: StreamSlotsDep,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    stream_modes: Annotated[str | None, Query()] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> sse.EventStreamResponse:
    """Every event of every run of the thread from now on (ids read `<run_id>:<seq>`)."""

    async def stream() -> sse.EventStreamResponse:
        thread = await run_service.find_thread(auth=auth, thread_ref=thread_id)
        requested = [m for m in (stream_mode or []) + (stream_modes or "").split(",") if m]
        requested = [m for m in requested if m not in ("run_modes", "lifecycle", "state_update")]
        wanted = modes.parse(requested) if requested else None
        body = streams.follow_thread(
            auth.tenant_id, thread.id, last_event_id=last_event_id, wanted=wanted
        )
        return sse.response(body, location=None, content_location=f"/threads/{thread.id}")

    return await slots.hold(stream_holder(auth), stream)


@router.post(
    "/threads/{thread_id}/runs/{run_id}/cancel",
    response_model=None,
    responses={
        202: {"description": "The cancel is requested (without `wait`)"},
        200: {"model": RunOutputPublic, "description": "With `wait`: the run's output"},
    },
)
async def cancel_run(
    thread_id: str,
    run_id: str,
    auth: BriefAuthDep,
    run_service: RunServiceDep,
    wait: Annotated[bool, Query()] = False,
    action: Annotated[CancelAction, Query()] = CancelAction.interrupt,
) -> Response:
    """Cancel a run; it stops within a second wherever it executes."""
    run = await run_service.cancel(auth=auth, thread_ref=thread_id, run_ref=run_id, action=action)
    if not wait:
        return Response(status_code=status.HTTP_202_ACCEPTED)
    output = await run_service.wait_for(run=run)
    return JSONResponse(output)


@router.get("/tenants/current/webhook-secret")
async def webhook_secret(auth: TenantAdminDep, settings: SettingsDep) -> WebhookSecretPublic:
    """The secret that signs this tenant's run webhooks (Standard Webhooks, HMAC-SHA256).
    Tenant admins only; it changes when the server's master secret is rotated."""
    master = settings.resolved_secret_key()
    return WebhookSecretPublic(
        secret=webhooks.secret_for(master, auth.tenant_id), scheme="standard-webhooks"
    )
