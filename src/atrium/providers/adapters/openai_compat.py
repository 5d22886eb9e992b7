"""OpenAI and every OpenAI-compatible server (Groq, DeepSeek, xAI, OpenRouter, Together,
Mistral, Ollama, vLLM, llama.cpp server), on the official `openai` SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pydantic

from atrium.kit.netguard import guarded_transport2
from atrium.providers.adapters.base import (
    ClientCache,
    base_url_for,
    status_error,
    transport_error,
)
from atrium.providers.types import (
    ChatCall,
    Credentials,
    Embeddings,
    ErrorKind,
    Json,
    UpstreamError,
    Usage,
)


def translate_error(exc: Exception, provider: str, creds: Credentials) -> UpstreamError:
    if isinstance(exc, openai.APIStatusError):
        return status_error(
            exc.status_code,
            exc.message,
            creds=creds,
            provider=provider,
            headers=exc.response.headers if exc.response is not None else None,
        )
    error = transport_error(
        exc,
        provider,
        timeout=(openai.APITimeoutError, httpx2.TimeoutException),
        connection=(openai.APIConnectionError, httpx2.HTTPError, openai.APIError),
        malformed=(ValueError, pydantic.ValidationError),
    )
    if error is not None:
        return error
    raise exc


class OpenAICompatibleAdapter:
    def __init__(self, name: str, *, default_base_url: str | None) -> None:
        self.name = name
        self._default_base_url = default_base_url
        self._clients: ClientCache[openai.AsyncOpenAI] = ClientCache(self._client)

    def _client(self, creds: Credentials) -> openai.AsyncOpenAI:
        # The SDK's aiohttp transport: its connection pool and C HTTP parser cost less CPU
        # per call than the default httpx2 pool (benchmarks/RESULTS.md). A tenant's base URL
        # goes through the guarded transport instead, which connects only to the public
        # address it checked, on every connection.
        http_client = (
            openai.DefaultAsyncHttpxClient(transport=guarded_transport2())
            if creds.guarded
            else openai.DefaultAioHttpClient()
        )
        return openai.AsyncOpenAI(
            # Local servers (Ollama, vLLM) accept any key; the SDK insists on one.
            api_key=creds.api_key or "unused",
            base_url=base_url_for(creds, self._default_base_url, self.name),
            max_retries=0,  # the router retries, with fallbacks and cooldowns
            http_client=http_client,
        )

    # The body is already in this API's own format, so it goes through the SDK's generic
    # `post` with `cast_to=object`: the SDK still sends it (keys, base URL, headers, SSE
    # decoding, error events and status errors) but hands back the JSON as it came instead
    # of building response models that would only be dumped back to dicts. Measured: that
    # round trip was most of the adapter's CPU time per call (benchmarks/RESULTS.md).
    def _body(self, call: ChatCall, **extra: Any) -> dict[str, Any]:
        body = {
            k: v for k, v in call.body.items() if k not in ("model", "stream", "stream_options")
        }
        return {"model": call.model, **body, **extra}

    async def complete(self, call: ChatCall, creds: Credentials) -> Json:
        try:
            data = await self._clients.get(creds).post(
                "/chat/completions",
                cast_to=object,
                body=self._body(call),
                options={"timeout": call.timeout},
            )
        except Exception as exc:
            raise translate_error(exc, self.name, creds) from None
        if not isinstance(data, dict) or not data.get("choices"):
            raise UpstreamError(
                ErrorKind.malformed, "The provider returned no choices", provider=self.name
            )
        return data

    async def stream(self, call: ChatCall, creds: Credentials) -> AsyncIterator[Json]:
        try:
            stream = await self._clients.get(creds).post(
                "/chat/completions",
                cast_to=object,
                body=self._body(call, stream=True, stream_options={"include_usage": True}),
                options={"timeout": call.timeout},
                stream=True,
                stream_cls=openai.AsyncStream[object],
            )
            async with stream:
                async for chunk in stream:
                    if not isinstance(chunk, dict):
                        raise UpstreamError(
                            ErrorKind.malformed,
                            "The provider sent a chunk that is not an object",
                            provider=self.name,
                        )
                    yield chunk
        except UpstreamError:
            raise
        except Exception as exc:
            raise translate_error(exc, self.name, creds) from None

    async def embed(
        self, model: str, inputs: list[str], creds: Credentials, timeout_seconds: float
    ) -> Embeddings:
        try:
            result = await self._clients.get(creds).embeddings.create(
                model=model, input=inputs, encoding_format="float", timeout=timeout_seconds
            )
        except Exception as exc:
            raise translate_error(exc, self.name, creds) from None
        ordered = sorted(result.data, key=lambda d: d.index)
        usage = Usage(input_tokens=result.usage.prompt_tokens if result.usage else 0)
        return Embeddings(vectors=[list(d.embedding) for d in ordered], usage=usage)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
