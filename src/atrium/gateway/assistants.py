"""An assistant addressed as a model: `model: "assistant:<id>"` on /v1/chat/completions runs
that assistant statelessly (its instructions, model, tools and policies) and answers, or
streams, in OpenAI's format."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol

from atrium.auth.context import AuthContext
from atrium.gateway.schemas import ChatCompletionRequest
from atrium.kit.db import Database
from atrium.kit.errors import BadRequest
from atrium.providers.types import Usage, chunk, completion, completion_id, usage_chunk
from atrium.runs.hub import LiveEvent
from atrium.runs.repository import run_repository
from atrium.runs.schemas import RunCreate
from atrium.runs.service import RunService
from atrium.threads.service import ThreadService

PREFIX = "assistant:"


def is_assistant(model: str) -> bool:
    return model.startswith(PREFIX)


class ReadRun(Protocol):
    """A run's events after `after`, in order, until it ends (`runs.reader.read_run`)."""

    def __call__(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID, *, after: int, idle_seconds: float
    ) -> AsyncIterator[list[LiveEvent]]: ...


class AssistantModels:
    """Runs one of the tenant's assistants for a gateway call, on a temporary thread that is
    deleted once the answer is read."""

    def __init__(
        self,
        *,
        db: Database,
        run_service: RunService,
        thread_service: ThreadService,
        read_run: ReadRun,
    ) -> None:
        self._db = db
        self._run_service = run_service
        self._thread_service = thread_service
        self._read_run = read_run

    async def answer(self, body: ChatCompletionRequest, auth: AuthContext) -> dict[str, Any]:
        """The assistant's last message as a chat completion."""
        run_id, thread_id = await self._start(body, auth)
        final: dict[str, Any] = {}
        try:
            async for event, data in self._events(auth.tenant_id, run_id):
                if event == "values":
                    final = data
                elif event == "error":
                    raise BadRequest(_failure(data), field="model")
            # Before the thread goes: its runs go with it.
            usage = await self._usage(auth.tenant_id, run_id)
        finally:
            await self._thread_service.delete_temporary(
                tenant_id=auth.tenant_id, thread_id=thread_id
            )
        last = (final.get("messages") or [{}])[-1]
        return completion(
            model=body.model,
            message={"role": "assistant", "content": last.get("content") or "", "refusal": None},
            finish_reason="stop",
            usage=usage,
        )

    async def stream(self, body: ChatCompletionRequest, auth: AuthContext) -> AsyncIterator[bytes]:
        """The assistant's model output as chat completion chunks (SSE frames). The run is
        created before this returns, so a missing assistant is an HTTP error."""
        run_id, thread_id = await self._start(body, auth)
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        id_ = completion_id()
        tenant_id = auth.tenant_id

        async def frames() -> AsyncIterator[bytes]:
            cleaned = False
            try:
                yield _frame(
                    chunk(id_=id_, model=body.model, delta={"role": "assistant", "content": ""})
                )
                async for event, data in self._events(tenant_id, run_id):
                    if event == "messages":
                        message, metadata = data
                        if metadata.get("langgraph_node") == "model" and message.get("content"):
                            yield _frame(
                                chunk(
                                    id_=id_, model=body.model, delta={"content": message["content"]}
                                )
                            )
                    elif event == "error":
                        yield _frame(
                            {
                                "error": {
                                    "message": _failure(data),
                                    "type": "api_error",
                                    "param": None,
                                    "code": "assistant_run_failed",
                                }
                            }
                        )
                        return
                usage = await self._usage(tenant_id, run_id)
                # Tidy up before the last frames, so a client that saw [DONE] finds nothing
                # left.
                await self._thread_service.delete_temporary(
                    tenant_id=tenant_id, thread_id=thread_id
                )
                cleaned = True
                yield _frame(chunk(id_=id_, model=body.model, delta={}, finish_reason="stop"))
                if include_usage:
                    yield _frame(usage_chunk(id_=id_, model=body.model, usage=usage))
                yield b"data: [DONE]\n\n"
            finally:
                if not cleaned:
                    await self._thread_service.delete_temporary(
                        tenant_id=tenant_id, thread_id=thread_id
                    )

        return frames()

    async def _start(
        self, body: ChatCompletionRequest, auth: AuthContext
    ) -> tuple[uuid.UUID, uuid.UUID]:
        messages = [m.model_dump(exclude_none=True) for m in body.messages]
        if any(
            m["role"] not in ("system", "user", "assistant", "tool", "developer") for m in messages
        ):
            raise BadRequest("Unsupported message role", field="messages")
        data = RunCreate(
            assistant_id=body.model[len(PREFIX) :],
            input={"messages": messages},
            stream_mode=["messages-tuple", "values"],
            on_completion="delete",
        )
        async with self._db.transaction(tenant_id=auth.tenant_id) as session:
            run, thread = await self._run_service.create(
                session=session, auth=auth, thread_ref=None, data=data
            )
        return run.id, thread.id

    async def _events(
        self, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> AsyncIterator[tuple[str, Any]]:
        async for events in self._read_run(tenant_id, run_id, after=0, idle_seconds=60.0):
            for event in events:
                yield event.event, event.data

    async def _usage(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> Usage:
        async with self._db.transaction(tenant_id=tenant_id) as session:
            run = await run_repository.get(session, tenant_id=tenant_id, run_id=run_id)
        return Usage(run.input_tokens, run.output_tokens) if run else Usage()


def _failure(data: Any) -> str:
    return str((data or {}).get("message") or "The assistant's run failed")


def _frame(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
