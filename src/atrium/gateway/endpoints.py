"""The OpenAI-compatible gateway: `/v1/chat/completions`, `/v1/models`, `/v1/embeddings`.

These routes hold no database transaction while a model works: the caller is authenticated
in a short transaction of its own, and usage is written later, in batches.

Each route declares its response model for the OpenAPI document but sends the JSON it has
(a provider's answer as it came) rather than returning the model: validating and
re-serialising every answer through pydantic cost 1.6 to 2.5 times the plain JSON encoding
(25 to 80 µs a completion on the 2-core machine, a few per cent of a call's CPU), would turn
a provider's slightly unusual answer into a 500 and would drop the fields a provider adds.
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from atrium.auth.dependencies import credential_from
from atrium.gateway.errors import OpenAIErrorPublic
from atrium.gateway.schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    EmbeddingList,
    EmbeddingRequest,
    GatewayModelList,
)
from atrium.gateway.service import GatewayCall, GatewayService
from atrium.kit.deps import provided
from atrium.kit.http import StreamSlots, stream_holder
from atrium.quotas.service import HEADERS_STATE

router = APIRouter(prefix="/v1", tags=["gateway"])

GatewayServiceDep = Annotated[GatewayService, Depends(provided("gateway_service"))]
StreamSlotsDep = Annotated[StreamSlots, Depends(provided("stream_slots"))]

# The statuses the gateway itself answers with; `kit.handlers` adds the validation status
# (400 here), 4XX and 5XX to every operation.
_ERRORS = {
    401: "Missing or invalid credential",
    403: "The plan does not include the gateway or the model",
    404: "Unknown model, or none of its providers is configured",
    429: "The requests or tokens per minute of the plan (or of the key or member), or the "
    "provider's rate limit; `Retry-After` says when to retry",
    502: "The provider failed after retries and fallbacks",
    503: "Atrium is overloaded; retry after `Retry-After`",
    504: "The provider timed out",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": OpenAIErrorPublic, "description": _ERRORS[s]} for s in statuses}


_MODEL_ERRORS = _errors(401, 403, 404, 429, 502, 503, 504)

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def gateway_call(request: Request, gateway: GatewayServiceDep) -> GatewayCall:
    call = await gateway.authenticate(
        credential_from(request), request.scope.get("state", {}).get("request_id")
    )
    request.scope.setdefault("state", {})[HEADERS_STATE] = call.ratelimit_headers
    structlog.contextvars.bind_contextvars(
        tenant_id=str(call.auth.tenant_id),
        user_id=str(call.auth.user_id) if call.auth.user_id else None,
        api_key_id=str(call.auth.api_key_id) if call.auth.api_key_id else None,
    )
    return call


CallDep = Annotated[GatewayCall, Depends(gateway_call)]


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {
            "description": "A chat completion; with `stream: true`, server-sent events: "
            "each `data:` line a `chat.completion.chunk` (with `stream_options.include_usage`, "
            "a last chunk with no choices carries `usage`), then `data: [DONE]`. A failure "
            "after the first chunk ends the stream with a `data:` line holding an `error` "
            "object in OpenAI's shape.",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk",'
                    '"created":0,"model":"openai/gpt-4o-mini","choices":[{"index":0,'
                    '"delta":{"content":"Hi"},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
                }
            },
        },
        **_MODEL_ERRORS,
    },
)
async def chat_completions(
    body: ChatCompletionRequest,
    call: CallDep,
    gateway: GatewayServiceDep,
    slots: StreamSlotsDep,
) -> JSONResponse | StreamingResponse:
    """Chat completions in OpenAI's format, streamed (SSE) or not, on any configured
    provider. The model is `provider/model`, an alias, a known model name, or
    `assistant:<id>` to run one of the tenant's assistants. Open streams per API key are
    capped (`ATRIUM_MAX_STREAMS_PER_KEY`, 429 beyond)."""
    if body.stream:

        async def stream() -> StreamingResponse:
            return StreamingResponse(
                await gateway.chat_stream(body, call),
                media_type="text/event-stream",
                headers=_SSE_HEADERS,
            )

        return await slots.hold(stream_holder(call.auth), stream)
    return JSONResponse(await gateway.chat(body, call))


@router.get("/models", response_model=GatewayModelList, responses=_errors(401, 429, 503))
async def list_models(call: CallDep, gateway: GatewayServiceDep) -> JSONResponse:
    """The models this tenant may use, in OpenAI's list shape."""
    return JSONResponse(gateway.models(call))


@router.post("/embeddings", response_model=EmbeddingList, responses=_MODEL_ERRORS)
async def create_embeddings(
    body: EmbeddingRequest, call: CallDep, gateway: GatewayServiceDep
) -> JSONResponse:
    """Embeddings in OpenAI's format (`float` or `base64`)."""
    return JSONResponse(await gateway.embeddings(body, call))
