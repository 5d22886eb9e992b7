"""The OpenAI-compatible gateway: who may call which model, then the provider layer."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from atrium.auth.context import AuthContext
from atrium.auth.service import auth_service
from atrium.gateway.errors import UpstreamFailed, openai_error
from atrium.gateway.schemas import ChatCompletionRequest, EmbeddingRequest
from atrium.kit.errors import BadRequest, QuotaExceeded
from atrium.kit.invalidation import on_tenant_change
from atrium.kit.runtime import runtime
from atrium.kit.security import digest
from atrium.provider_keys.models import ProviderKey
from atrium.provider_keys.service import provider_key_service
from atrium.providers.router import Deployment
from atrium.providers.service import Caller
from atrium.providers.types import Credentials, Json, UpstreamError
from atrium.tenants.service import tenant_service


@dataclass(frozen=True, slots=True)
class GatewayCall:
    """An authenticated gateway caller, with the tenant's stored provider keys (sealed)."""

    auth: AuthContext
    caller: Caller
    tenant_keys: dict[str, ProviderKey]


class _AuthCache:
    """Recent gateway authentications, so a busy key costs no database round trip.

    Entries live a few seconds and are dropped as soon as their tenant changes (a key
    revoked, a role or plan changed, a provider key added) in this process; in other
    processes a change is seen when the entry expires.
    """

    def __init__(self, ttl_seconds: float = 5.0, size: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.size = size
        self._entries: OrderedDict[bytes, tuple[float, AuthContext, dict[str, ProviderKey]]] = (
            OrderedDict()
        )

    def get(self, key: bytes) -> tuple[AuthContext, dict[str, ProviderKey]] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key: bytes, auth: AuthContext, keys: dict[str, ProviderKey]) -> None:
        self._entries[key] = (time.monotonic() + self.ttl, auth, keys)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget_tenant(self, tenant_id: uuid.UUID) -> None:
        for key in [k for k, v in self._entries.items() if v[1].tenant_id == tenant_id]:
            del self._entries[key]


_cache = _AuthCache()
on_tenant_change(_cache.forget_tenant)


async def authenticate(credential: str, request_id: str | None) -> GatewayCall:
    """Everything a gateway call needs from the database, in one short transaction (or from
    a few-seconds cache), so no connection is held while a model works."""
    cache_key = digest(credential)
    cached = _cache.get(cache_key)
    if cached is not None:
        auth, keys = cached
    else:
        auth, keys = await _single_flight(cache_key, credential)
    limits = await tenant_service.plan_limits(auth.plan_id)
    await _spend_request(auth.tenant_id, limits)
    allowed = limits.get("allowed_models") or []
    caller = Caller(
        tenant_id=auth.tenant_id,
        user_id=auth.user_id,
        api_key_id=auth.api_key_id,
        allowed_models=[str(p) for p in allowed],
        request_id=request_id,
    )
    return GatewayCall(auth=auth, caller=caller, tenant_keys=keys)


_in_flight: dict[bytes, asyncio.Future[tuple[AuthContext, dict[str, ProviderKey]]]] = {}


async def _single_flight(
    cache_key: bytes, credential: str
) -> tuple[AuthContext, dict[str, ProviderKey]]:
    """One database lookup per credential at a time: when a busy key's cache entry expires,
    the hundreds of calls arriving meanwhile wait for that lookup instead of each opening a
    transaction (which emptied the pool and set the gateway's tail latency)."""
    while (pending := _in_flight.get(cache_key)) is not None:
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            if not pending.cancelled():
                raise  # this call itself was cancelled
            # the call doing the lookup went away: look up again
    future: asyncio.Future[tuple[AuthContext, dict[str, ProviderKey]]] = (
        asyncio.get_running_loop().create_future()
    )
    _in_flight[cache_key] = future
    try:
        async with runtime().db.transaction() as session:
            auth = await auth_service.authenticate(session=session, credential=credential)
            keys = await provider_key_service.tenant_keys(session=session, tenant_id=auth.tenant_id)
        _cache.put(cache_key, auth, keys)
        future.set_result((auth, keys))
        return auth, keys
    except asyncio.CancelledError:
        future.cancel()
        raise
    except Exception as exc:
        # Waiters get the same answer (an invalid key is invalid for all of them).
        future.set_exception(exc)
        future.exception()  # retrieved here, so a future nobody awaited logs nothing
        raise
    finally:
        del _in_flight[cache_key]


async def _spend_request(tenant_id: uuid.UUID, limits: dict[str, Any]) -> None:
    """The plan's requests per minute, counted per tenant (in Redis when configured, so
    every replica counts against the same allowance)."""
    per_minute = limits.get("requests_per_minute")
    if not isinstance(per_minute, int) or per_minute <= 0:
        return
    limiter = runtime().limiter
    rate = f"{per_minute}/minute"
    if not await limiter.hit(rate, "plan-rpm", str(tenant_id)):
        wait = await limiter.retry_after(rate, "plan-rpm", str(tenant_id)) or 1
        raise QuotaExceeded(
            f"Your plan allows {per_minute} requests per minute",
            headers={"Retry-After": str(wait)},
        )


async def deployments_for(model: str, call: GatewayCall) -> list[Deployment]:
    providers = runtime().providers
    model_id = providers.resolve(model, call.caller)

    async def tenant_credentials(provider: str) -> Credentials | None:
        key = call.tenant_keys.get(provider)
        return provider_key_service.open(key) if key is not None else None

    return await providers.deployments(model_id, call.caller, tenant_credentials)


async def chat(request: ChatCompletionRequest, call: GatewayCall) -> Json:
    caller = call.caller
    deployments = await deployments_for(request.model, call)
    try:
        result = await runtime().providers.complete(deployments, request.upstream_body(), caller)
    except UpstreamError as error:
        raise UpstreamFailed(error) from None
    result["model"] = deployments[0].model_id if not result.get("model") else result["model"]
    return result


async def chat_stream(request: ChatCompletionRequest, call: GatewayCall) -> AsyncIterator[bytes]:
    """SSE frames as OpenAI sends them. Failures before the first chunk raise (so the client
    gets a proper HTTP error); later failures end the stream with an error event."""
    caller = call.caller
    deployments = await deployments_for(request.model, call)
    include_usage = bool(request.stream_options and request.stream_options.include_usage)
    chunks = runtime().providers.stream(deployments, request.upstream_body(), caller)
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = None
    except UpstreamError as error:
        raise UpstreamFailed(error) from None
    return _frames(first, chunks, include_usage)


async def _frames(
    first: Json | None, chunks: AsyncIterator[Json], include_usage: bool
) -> AsyncIterator[bytes]:
    try:
        if first is not None and (include_usage or first.get("choices")):
            yield _frame(first)
        async for item in chunks:
            if not item.get("choices") and not include_usage:
                continue  # the usage chunk, which this client did not ask for
            if not include_usage:
                item.pop("usage", None)
            yield _frame(item)
    except UpstreamError as error:
        failed = UpstreamFailed(error)
        yield _frame(openai_error(failed.status_code, failed.code, failed.message, None))
        return
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
    yield b"data: [DONE]\n\n"


def _frame(data: Json) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


async def embeddings(request: EmbeddingRequest, call: GatewayCall) -> Json:
    texts = request.texts()
    if texts is None:
        raise BadRequest("Token arrays are not supported as input; send strings", field="input")
    deployments = await deployments_for(request.model, call)
    try:
        result = await runtime().providers.embed(deployments, texts, call.caller)
    except UpstreamError as error:
        raise UpstreamFailed(error) from None
    data: list[dict[str, Any]] = []
    for index, vector in enumerate(result.vectors):
        if request.dimensions:
            vector = vector[: request.dimensions]
        embedding: Any = vector
        if request.encoding_format == "base64":
            embedding = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    return {
        "object": "list",
        "data": data,
        "model": deployments[0].model_id,
        "usage": {
            "prompt_tokens": result.usage.input_tokens,
            "total_tokens": result.usage.input_tokens,
        },
    }


def models(call: GatewayCall) -> Json:
    ids = runtime().providers.available_models(call.caller, set(call.tenant_keys))
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": m.partition("/")[0]} for m in ids
        ],
    }
