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
from atrium.gateway.schemas import ChatCompletionRequest, EmbeddingRequest
from atrium.gateway.service import GatewayCall, GatewayService
from atrium.kit.deps import provided

router = APIRouter(prefix="/v1", tags=["gateway"])

GatewayServiceDep = Annotated[GatewayService, Depends(provided("gateway_service"))]


async def gateway_call(request: Request, gateway: GatewayServiceDep) -> GatewayCall:
    call = await gateway.authenticate(
        credential_from(request), request.scope.get("state", {}).get("request_id")
    )
    structlog.contextvars.bind_contextvars(
        tenant_id=str(call.auth.tenant_id),
        user_id=str(call.auth.user_id) if call.auth.user_id else None,
        api_key_id=str(call.auth.api_key_id) if call.auth.api_key_id else None,
    )
    return call


CallDep = Annotated[GatewayCall, Depends(gateway_call)]


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, call: CallDep, gateway: GatewayServiceDep
) -> JSONResponse | StreamingResponse:
    """Chat completions in OpenAI's format, streamed (SSE) or not, on any configured
    provider. The model is `provider/model`, an alias, a known model name, or
    `assistant:<id>` to run one of the tenant's assistants."""
    if body.stream:
        return StreamingResponse(
            await gateway.chat_stream(body, call),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return JSONResponse(await gateway.chat(body, call))


@router.get("/models")
async def list_models(call: CallDep, gateway: GatewayServiceDep) -> JSONResponse:
    """The models this tenant may use, in OpenAI's list shape."""
    return JSONResponse(gateway.models(call))


@router.post("/embeddings")
async def create_embeddings(
    body: EmbeddingRequest, call: CallDep, gateway: GatewayServiceDep
) -> JSONResponse:
    """Embeddings in OpenAI's format (`float` or `base64`)."""
    return JSONResponse(await gateway.embeddings(body, call))
