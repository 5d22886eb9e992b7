"""An assistant addressed as a model: `model: "assistant:<id>"` on /v1/chat/completions runs
that assistant statelessly (its instructions, model, tools and policies) and answers, or
streams, in OpenAI's format."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from atrium.gateway.schemas import ChatCompletionRequest
from atrium.kit.db import set_tenant
from atrium.kit.errors import BadRequest
from atrium.kit.runtime import runtime
from atrium.providers.types import Usage, chunk, completion, completion_id, usage_chunk
from atrium.runs.reader import read_run
from atrium.runs.repository import run_repository
from atrium.runs.schemas import RunCreate
from atrium.runs.service import run_service
from atrium.threads.service import thread_service

PREFIX = "assistant:"


def is_assistant(model: str) -> bool:
    return model.startswith(PREFIX)


async def start(body: ChatCompletionRequest, auth: Any) -> tuple[uuid.UUID, uuid.UUID]:
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    if any(m["role"] not in ("system", "user", "assistant", "tool", "developer") for m in messages):
        raise BadRequest("Unsupported message role", field="messages")
    data = RunCreate(
        assistant_id=body.model[len(PREFIX) :],
        input={"messages": messages},
        stream_mode=["messages-tuple", "values"],
        on_completion="delete",
    )
    async with runtime().db.transaction() as session:
        await set_tenant(session, auth.tenant_id)
        run, thread = await run_service.create(
            session=session, auth=auth, thread_ref=None, data=data
        )
    return run.id, thread.id


async def _events(tenant_id: uuid.UUID, run_id: uuid.UUID) -> AsyncIterator[tuple[str, Any]]:
    async for events in read_run(tenant_id, run_id, after=0, idle_seconds=60.0):
        for event in events:
            yield event.event, event.data


def _failure(data: Any) -> str:
    return str((data or {}).get("message") or "The assistant's run failed")


async def answer(body: ChatCompletionRequest, auth: Any) -> dict[str, Any]:
    run_id, thread_id = await start(body, auth)
    final: dict[str, Any] = {}
    try:
        async for event, data in _events(auth.tenant_id, run_id):
            if event == "values":
                final = data
            elif event == "error":
                raise BadRequest(_failure(data), field="model")
    finally:
        await thread_service.delete_temporary(tenant_id=auth.tenant_id, thread_id=thread_id)
    last = (final.get("messages") or [{}])[-1]
    usage = await _usage(auth.tenant_id, run_id)
    return completion(
        model=body.model,
        message={"role": "assistant", "content": last.get("content") or "", "refusal": None},
        finish_reason="stop",
        usage=usage,
    )


async def _usage(tenant_id: uuid.UUID, run_id: uuid.UUID) -> Usage:
    async with runtime().db.transaction() as session:
        await set_tenant(session, tenant_id)
        run = await run_repository.get(session, tenant_id=tenant_id, run_id=run_id)
    return Usage(run.input_tokens, run.output_tokens) if run else Usage()


async def stream(body: ChatCompletionRequest, auth: Any) -> AsyncIterator[bytes]:
    run_id, thread_id = await start(body, auth)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    id_ = completion_id()

    async def frames() -> AsyncIterator[bytes]:
        cleaned = False
        try:
            yield _frame(
                chunk(id_=id_, model=body.model, delta={"role": "assistant", "content": ""})
            )
            async for event, data in _events(auth.tenant_id, run_id):
                if event == "messages":
                    message, metadata = data
                    if metadata.get("langgraph_node") == "model" and message.get("content"):
                        yield _frame(
                            chunk(id_=id_, model=body.model, delta={"content": message["content"]})
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
            usage = await _usage(auth.tenant_id, run_id)
            # Tidy up before the last frames, so a client that saw [DONE] finds nothing left.
            await thread_service.delete_temporary(tenant_id=auth.tenant_id, thread_id=thread_id)
            cleaned = True
            yield _frame(chunk(id_=id_, model=body.model, delta={}, finish_reason="stop"))
            if include_usage:
                yield _frame(usage_chunk(id_=id_, model=body.model, usage=usage))
            yield b"data: [DONE]\n\n"
        finally:
            if not cleaned:
                await thread_service.delete_temporary(tenant_id=auth.tenant_id, thread_id=thread_id)

    return frames()


def _frame(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
