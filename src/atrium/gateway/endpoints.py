"""The OpenAI-compatible gateway: `/v1/chat/completions`, `/v1/models`, `/v1/embeddings`.

These routes hold no database transaction while a model works: the caller is authenticated
in a short transaction of its own, and usage is written later, in batches.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from atrium.auth.context import AuthContext
from atrium.auth.dependencies import credential_from
from atrium.auth.service import auth_service
from atrium.gateway import service
from atrium.gateway.schemas import ChatCompletionRequest, EmbeddingRequest
from atrium.kit.runtime import runtime
from atrium.providers.service import Caller

router = APIRouter(prefix="/v1", tags=["gateway"])


async def gateway_caller(request: Request) -> tuple[AuthContext, Caller]:
    async with runtime().db.transaction() as session:
        auth = await auth_service.authenticate(session=session, credential=credential_from(request))
    structlog.contextvars.bind_contextvars(
        tenant_id=str(auth.tenant_id),
        user_id=str(auth.user_id) if auth.user_id else None,
        api_key_id=str(auth.api_key_id) if auth.api_key_id else None,
    )
    request_id = request.scope.get("state", {}).get("request_id")
    return auth, await service.caller_for(auth, request_id)


CallerDep = Annotated[tuple[AuthContext, Caller], Depends(gateway_caller)]


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, who: CallerDep
) -> JSONResponse | StreamingResponse:
    """Chat completions in OpenAI's format, streamed (SSE) or not, on any configured
    provider. The model is `provider/model`, an alias, or a known model name."""
    _, caller = who
    if body.stream:
        frames = await service.chat_stream(body, caller)
        return StreamingResponse(
            frames,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return JSONResponse(await service.chat(body, caller))


@router.get("/models")
async def list_models(who: CallerDep) -> JSONResponse:
    """The models this tenant may use, in OpenAI's list shape."""
    auth, caller = who
    return JSONResponse(await service.models(caller, auth))


@router.post("/embeddings")
async def create_embeddings(body: EmbeddingRequest, who: CallerDep) -> JSONResponse:
    """Embeddings in OpenAI's format (`float` or `base64`)."""
    _, caller = who
    return JSONResponse(await service.embeddings(body, caller))
