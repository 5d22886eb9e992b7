"""Server-sent events of a run, read from its stored events: `event`, `data`, `id` (the
event's sequence number), so a client resumes with `Last-Event-ID` on any API process
without loss or duplication. Comment heartbeats keep idle connections open."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi.responses import StreamingResponse

from atrium.kit.background import BackgroundWork
from atrium.kit.db import Database
from atrium.runs import modes as stream_modes
from atrium.runs.hub import RunHub
from atrium.runs.reader import RunReader
from atrium.runs.repository import run_repository

HEARTBEAT_SECONDS = 5.0
THREAD_POLL_SECONDS = 1.0


def frame(event: str, data: Any, seq: int | None) -> bytes:
    text = f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n"
    if seq is not None:
        text += f"id: {seq}\n"
    return (text + "\n").encode()


def parse_last_event_id(value: str | None) -> int:
    if not value:
        return 0
    try:
        return max(0, int(value.rsplit("-", 1)[-1]))
    except ValueError:
        return 0


class EventStreamResponse(StreamingResponse):
    """A stream of server-sent events (names the media type for the OpenAPI description)."""

    media_type = "text/event-stream"


def response(
    body: AsyncIterator[bytes], *, location: str | None, content_location: str
) -> EventStreamResponse:
    headers = {
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
        "Content-Location": content_location,
    }
    if location:
        headers["Location"] = location
    return EventStreamResponse(body, media_type="text/event-stream; charset=utf-8", headers=headers)


class RunStreams:
    """The SSE bodies of runs and threads for one process."""

    def __init__(
        self, *, db: Database, hub: RunHub, reader: RunReader, background: BackgroundWork
    ) -> None:
        self._db, self._hub, self._reader, self._background = db, hub, reader, background

    async def follow(
        self,
        tenant_id: uuid.UUID,
        run_id: uuid.UUID,
        *,
        after: int,
        wanted: list[str] | None,
        prelude: bytes = b"",
        just_created: bool = False,
        on_disconnect: Callable[[], Coroutine[Any, Any, None]] | None = None,
        on_done: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> AsyncIterator[bytes]:
        done = False
        try:
            if prelude:
                yield prelude
            async for events in self._reader.read_run(
                tenant_id,
                run_id,
                after=after,
                idle_seconds=HEARTBEAT_SECONDS,
                with_end=True,
                just_created=just_created,
            ):
                if not events:
                    yield b": heartbeat\n\n"
                for event in events:
                    if stream_modes.wanted(event.event, wanted):
                        # `end` is made for each stream, not stored: no id to resume from.
                        seq = None if event.event == "end" else event.seq
                        yield frame(event.event, event.data, seq)
            done = True
        finally:
            if not done and on_disconnect is not None:
                # The stream's task is being cancelled: do the follow-up outside it.
                self._background.spawn(on_disconnect(), name="runs.on_disconnect")
        if on_done is not None:
            await on_done()

    async def follow_thread(
        self,
        tenant_id: uuid.UUID,
        thread_id: uuid.UUID,
        *,
        last_event_id: str | None,
        wanted: list[str] | None,
    ) -> AsyncIterator[bytes]:
        """Every event of every run of a thread, from now on (or after `last_event_id`, which
        here reads `<run_id>:<seq>`), run after run; it ends only when the client leaves."""
        resume_run, resume_seq = None, 0
        if last_event_id and ":" in last_event_id:
            run_part, _, seq_part = last_event_id.partition(":")
            try:
                resume_run, resume_seq = uuid.UUID(run_part), int(seq_part)
            except ValueError:
                resume_run = None
        with self._hub.thread_wakeups(thread_id) as wake_ups:
            async for chunk in self._follow_thread(
                tenant_id, thread_id, wake_ups, resume_run, resume_seq, wanted
            ):
                yield chunk

    async def _follow_thread(
        self,
        tenant_id: uuid.UUID,
        thread_id: uuid.UUID,
        wake_ups: asyncio.Event,
        resume_run: uuid.UUID | None,
        resume_seq: int,
        wanted: list[str] | None,
    ) -> AsyncIterator[bytes]:
        positions: dict[uuid.UUID, int] = {}
        started = None
        idle = 0.0
        while True:
            async with self._db.transaction(tenant_id=tenant_id) as session:
                if started is None:
                    started = await run_repository.thread_clock(session)
                runs = await run_repository.runs_for_stream(
                    session,
                    tenant_id=tenant_id,
                    thread_id=thread_id,
                    since=started,
                    include=resume_run,
                )
                batches = []
                for run in runs:
                    if run.id not in positions:
                        positions[run.id] = resume_seq if run.id == resume_run else 0
                    events = await run_repository.events_after(
                        session, tenant_id=tenant_id, run_id=run.id, after=positions[run.id]
                    )
                    batches.append((run.id, events))
            sent = False
            for run_id, events in batches:
                for event in events:
                    positions[run_id] = event.seq
                    if stream_modes.wanted(event.event, wanted):
                        sent = True
                        data = frame(event.event, event.data, None)
                        yield data[:-1] + f"id: {run_id}:{event.seq}\n\n".encode()
            if sent:
                idle = 0.0
                continue
            # Woken by the hub when one of the thread's runs has news; the timeout is the
            # safety net for a lost delivery (or a worker in another process without Redis).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake_ups.wait(), THREAD_POLL_SECONDS)
            wake_ups.clear()
            idle += THREAD_POLL_SECONDS
            if idle >= HEARTBEAT_SECONDS:
                idle = 0.0
                yield b": heartbeat\n\n"
