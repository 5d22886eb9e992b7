"""The OpenAI-compatible gateway: `/v1/chat/completions`, `/v1/models`, `/v1/embeddings`.

These routes hold no database transaction while a model works: the caller is authenticated
in a short transaction of its own, and usage is written later, in batches.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from atrium.auth.dependencies import credential_from
from atrium.gateway import assistants, service
from atrium.gateway.schemas import ChatCompletionRequest, EmbeddingRequest

router = APIRouter(prefix="/v1", tags=["gateway"])


async def gateway_call(request: Request) -> service.GatewayCall:
    call = await service.authenticate(
        credential_from(request), request.scope.get("state", {}).get("request_id")
    )
    structlog.contextvars.bind_contextvars(
        tenant_id=str(call.auth.tenant_id),
        user_id=str(call.auth.user_id) if call.auth.user_id else None,
        api_key_id=str(call.auth.api_key_id) if call.auth.api_key_id else None,
    )
    return call


CallDep = Annotated[service.GatewayCall, Depends(gateway_call)]


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, call: CallDep
) -> JSONResponse | StreamingResponse:
    """Chat completions in OpenAI's format, streamed (SSE) or not, on any configured
    provider. The model is `provider/model`, an alias, a known model name, or
    `assistant:<id>` to run one of the tenant's assistants."""
    if assistants.is_assistant(body.model):
        if body.stream:
            return StreamingResponse(
                await assistants.stream(body, call.auth),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        return JSONResponse(await assistants.answer(body, call.auth))
    if body.stream:
        frames = await service.chat_stream(body, call)
        return StreamingResponse(
            frames,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return JSONResponse(await service.chat(body, call))


@router.get("/models")
async def list_models(call: CallDep) -> JSONResponse:
    """The models this tenant may use, in OpenAI's list shape."""
    return JSONResponse(service.models(call))


@router.post("/embeddings")
async def create_embeddings(body: EmbeddingRequest, call: CallDep) -> JSONResponse:
    """Embeddings in OpenAI's format (`float` or `base64`)."""
    return JSONResponse(await service.embeddings(body, call))
