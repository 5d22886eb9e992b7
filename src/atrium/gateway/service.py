"""The OpenAI-compatible gateway: who may call which model, then the provider layer."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.auth.service import AuthService
from atrium.gateway.assistants import AssistantModels, is_assistant
from atrium.gateway.errors import UpstreamFailed, openai_error
from atrium.gateway.schemas import ChatCompletionRequest, EmbeddingRequest
from atrium.kit.db import Database
from atrium.kit.errors import BadRequest, Forbidden
from atrium.kit.security import digest
from atrium.provider_keys.models import ProviderKey
from atrium.provider_keys.service import ProviderKeyService
from atrium.providers.router import Deployment
from atrium.providers.service import Caller, ProviderService
from atrium.providers.types import Credentials, Json, UpstreamError
from atrium.quotas.service import QuotaService
from atrium.tenants.limits import Feature
from atrium.tenants.service import TenantService

# A credential's principal and its tenant's stored provider keys (sealed).
_Authenticated = tuple[AuthContext, dict[str, ProviderKey]]


@dataclass(frozen=True, slots=True)
class GatewayCall:
    """An authenticated gateway caller, with the tenant's stored provider keys (sealed)."""

    auth: AuthContext
    caller: Caller
    tenant_keys: dict[str, ProviderKey]
    # The caller's rate-limit windows after this call was admitted (`x-ratelimit-*`).
    ratelimit_headers: dict[str, str]


class _AuthCache:
    """Recent gateway authentications, so a busy key costs no database round trip.

    Entries live a few seconds and are dropped as soon as their tenant changes (a key
    revoked, a member removed or a role changed, a plan changed, a provider key added): in
    this process at once, in the others through Redis (kit/invalidation.py), or when the
    entry expires.
    """

    def __init__(self, ttl_seconds: float = 5.0, size: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.size = size
        self._entries: OrderedDict[bytes, tuple[float, AuthContext, dict[str, ProviderKey]]] = (
            OrderedDict()
        )

    def get(self, key: bytes) -> _Authenticated | None:
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


class GatewayService:
    """The OpenAI-compatible gateway: who may call which model, then the provider layer.

    Holds the process's recent authentications (`forget_tenant` drops a tenant's, wired to
    tenant changes by the composition root) and the lookups in flight, so that no
    connection is held while a model works and a busy key costs no database round trip.
    """

    def __init__(
        self,
        *,
        db: Database,
        quotas: QuotaService,
        providers: ProviderService,
        tenant_service: TenantService,
        provider_key_service: ProviderKeyService,
        auth_service: AuthService,
        assistants: AssistantModels,
    ) -> None:
        self._db = db
        self._quotas = quotas
        self._providers = providers
        self._tenant_service = tenant_service
        self._provider_key_service = provider_key_service
        self._auth_service = auth_service
        self._assistants = assistants
        self._cache = _AuthCache()
        self._in_flight: dict[bytes, asyncio.Future[_Authenticated]] = {}

    def forget_tenant(self, tenant_id: uuid.UUID) -> None:
        """Drop a tenant's cached authentications (a key revoked, a role or plan changed)."""
        self._cache.forget_tenant(tenant_id)

    async def authenticate(self, credential: str, request_id: str | None) -> GatewayCall:
        """Everything a gateway call needs from the database, in one short transaction (or
        from a few-seconds cache), so no connection is held while a model works."""
        cache_key = digest(credential)
        cached = self._cache.get(cache_key)
        if cached is not None:
            auth, keys = cached
        else:
            auth, keys = await self._single_flight(cache_key, credential)
        plan = await self._tenant_service.plan_limits(auth.plan_id)
        if not plan.has(Feature.gateway):
            raise Forbidden("Your plan does not include the OpenAI-compatible gateway")
        allowance = await self._quotas.admit(auth)
        caller = Caller(
            tenant_id=auth.tenant_id,
            user_id=auth.user_id,
            api_key_id=auth.api_key_id,
            allowed_models=plan.allowed_models,
            request_id=request_id,
            limits=plan,
            plan_id=auth.plan_id,
        )
        # A plan without BYOK calls with the platform's keys only, whatever is stored.
        return GatewayCall(
            auth=auth,
            caller=caller,
            tenant_keys=keys if plan.has(Feature.byok) else {},
            ratelimit_headers=allowance.headers,
        )

    async def _single_flight(self, cache_key: bytes, credential: str) -> _Authenticated:
        """One database lookup per credential at a time: when a busy key's cache entry
        expires, the hundreds of calls arriving meanwhile wait for that lookup instead of
        each opening a transaction (which emptied the pool and set the gateway's tail
        latency)."""
        in_flight = self._in_flight
        while (pending := in_flight.get(cache_key)) is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this call itself was cancelled
                # the call doing the lookup went away: look up again
        future: asyncio.Future[_Authenticated] = asyncio.get_running_loop().create_future()
        in_flight[cache_key] = future
        try:
            async with self._db.transaction() as session:
                auth = await self._auth_service.authenticate(session=session, credential=credential)
                keys = await self._provider_key_service.tenant_keys(
                    session=session, tenant_id=auth.tenant_id
                )
            self._cache.put(cache_key, auth, keys)
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
            del in_flight[cache_key]

    async def _deployments(self, model: str, call: GatewayCall) -> list[Deployment]:
        providers = self._providers
        model_id = providers.resolve(model, call.caller)
        tenant_keys = call.tenant_keys
        open_key = self._provider_key_service.open

        async def tenant_credentials(provider: str) -> Credentials | None:
            key = tenant_keys.get(provider)
            return open_key(key) if key is not None else None

        return await providers.deployments(model_id, call.caller, tenant_credentials)

    async def chat(self, request: ChatCompletionRequest, call: GatewayCall) -> Json:
        """A chat completion in OpenAI's shape, from a provider or one of the tenant's
        assistants (`assistant:<id>`)."""
        if is_assistant(request.model):
            return await self._assistants.answer(request, call.auth)
        deployments = await self._deployments(request.model, call)
        try:
            result = await self._providers.complete(
                deployments, request.upstream_body(), call.caller
            )
        except UpstreamError as error:
            raise UpstreamFailed(error) from None
        if not result.get("model"):
            result["model"] = deployments[0].model_id
        await self._quotas.spend_tokens(call.auth, _total_tokens(result.get("usage")))
        return result

    async def chat_stream(
        self, request: ChatCompletionRequest, call: GatewayCall
    ) -> AsyncIterator[bytes]:
        """SSE frames as OpenAI sends them. Failures before the first chunk raise (so the
        client gets a proper HTTP error); later failures end the stream with an error
        event."""
        if is_assistant(request.model):
            return await self._assistants.stream(request, call.auth)
        deployments = await self._deployments(request.model, call)
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        chunks = self._providers.stream(deployments, request.upstream_body(), call.caller)
        try:
            first = await anext(chunks)
        except StopAsyncIteration:
            first = None
        except UpstreamError as error:
            raise UpstreamFailed(error) from None
        auth = call.auth

        async def spend(tokens: int) -> None:
            await self._quotas.spend_tokens(auth, tokens)

        return _frames(first, chunks, include_usage, spend)

    async def embeddings(self, request: EmbeddingRequest, call: GatewayCall) -> Json:
        """Embeddings in OpenAI's shape (`float` or `base64`)."""
        texts = request.texts()
        if texts is None:
            raise BadRequest("Token arrays are not supported as input; send strings", field="input")
        deployments = await self._deployments(request.model, call)
        try:
            result = await self._providers.embed(deployments, texts, call.caller)
        except UpstreamError as error:
            raise UpstreamFailed(error) from None
        await self._quotas.spend_tokens(call.auth, result.usage.input_tokens)
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

    async def offered_models(self, *, session: AsyncSession, auth: AuthContext) -> list[str]:
        """The chat models `/v1/models` would list for `auth`'s tenant (its plan's models
        whose provider has the platform's or, with BYOK, the tenant's key; embedding models
        aside), for a signed-in person picking an assistant's or a chat's model: no gateway
        feature or rate-limit window."""
        plan = await self._tenant_service.plan_limits(auth.plan_id)
        keys = (
            await self._provider_key_service.tenant_keys(session=session, tenant_id=auth.tenant_id)
            if plan.has(Feature.byok)
            else {}
        )
        caller = Caller(
            tenant_id=auth.tenant_id,
            user_id=auth.user_id,
            api_key_id=auth.api_key_id,
            allowed_models=plan.allowed_models,
            limits=plan,
            plan_id=auth.plan_id,
        )
        prices = self._providers.catalog.prices
        return [
            m
            for m in self._providers.available_models(caller, set(keys))
            if prices[m].kind == "chat"
        ]

    def models(self, call: GatewayCall) -> Json:
        """The models this caller may use, in OpenAI's list shape."""
        ids = self._providers.available_models(call.caller, set(call.tenant_keys))
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": m.partition("/")[0]}
                for m in ids
            ],
        }


def _total_tokens(usage: Any) -> int:
    if not isinstance(usage, dict):
        return 0
    total = usage.get("total_tokens")
    if not isinstance(total, int):
        total = sum(
            v
            for v in (usage.get("prompt_tokens"), usage.get("completion_tokens"))
            if isinstance(v, int)
        )
    return max(0, total)


async def _frames(
    first: Json | None,
    chunks: AsyncIterator[Json],
    include_usage: bool,
    spend: Callable[[int], Awaitable[None]],
) -> AsyncIterator[bytes]:
    spent = 0
    try:
        if first is not None:
            spent = _total_tokens(first.get("usage")) or spent
            if include_usage or first.get("choices"):
                yield _frame(first)
        async for item in chunks:
            spent = _total_tokens(item.get("usage")) or spent
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
        # Counted however the stream ends (a client gone away still used the tokens).
        await spend(spent)
    yield b"data: [DONE]\n\n"


def _frame(data: Json) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
