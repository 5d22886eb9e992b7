"""Calls across deployments: timeouts, retries with backoff on 429/5xx/connection errors
(honouring Retry-After), ordered fallbacks, and a cooldown for deployments that keep failing.

A stream is retried or failed over only until its first chunk reaches the caller; after
that an error ends the stream with an error the caller can show, never a hang.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from atrium.kit.logging import get_logger
from atrium.providers import metrics
from atrium.providers.adapters.base import Adapter
from atrium.providers.types import (
    CallOutcome,
    ChatCall,
    Credentials,
    Embeddings,
    ErrorKind,
    Json,
    UpstreamError,
    Usage,
    estimate_tokens,
    message_text,
)

_log = get_logger("atrium.providers")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Deployment:
    """One model at one provider with one credential."""

    model_id: str  # provider/model
    provider: str
    model: str
    adapter: Adapter
    creds: Credentials
    tenant_scope: str | None  # set for a tenant's own key: its cooldown is the tenant's alone
    # The model's metric label: its id when the catalogue knows it, else a fixed word, so a
    # tenant's made-up model names never become label values.
    metric_model: str = "unpriced"

    @property
    def cooldown_key(self) -> str:
        return f"{self.tenant_scope or '*'}|{self.model_id}|{self.creds.base_url or ''}"


@dataclass
class RetryPolicy:
    timeout: float = 60.0
    max_retries: int = 2
    max_retry_wait: float = 10.0
    cooldown_failures: int = 3
    cooldown_seconds: float = 30.0
    base_backoff: float = 0.25


@dataclass
class Cooldowns:
    failures: dict[str, int] = field(default_factory=dict)
    until: dict[str, float] = field(default_factory=dict)

    def available(self, key: str) -> bool:
        return self.until.get(key, 0.0) <= time.monotonic()

    def failed(self, key: str, policy: RetryPolicy) -> None:
        count = self.failures.get(key, 0) + 1
        self.failures[key] = count
        if count >= policy.cooldown_failures:
            self.until[key] = time.monotonic() + policy.cooldown_seconds
            self.failures[key] = 0
            _log.warning(
                "deployment_cooling_down",
                deployment=key.split("|")[1],
                seconds=policy.cooldown_seconds,
            )

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)


class AllDeploymentsFailed(UpstreamError):
    pass


@dataclass
class StreamResult:
    """Filled in as a stream runs; complete once it is exhausted."""

    outcome: CallOutcome | None = None


class Router:
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.cooldowns = Cooldowns()

    def _candidates(self, deployments: list[Deployment]) -> list[Deployment]:
        ready = [d for d in deployments if self.cooldowns.available(d.cooldown_key)]
        if ready:
            return ready
        # Everything is cooling down: try the primary rather than refuse outright.
        return deployments[:1]

    def _wait(self, error: UpstreamError, attempt: int) -> float | None:
        """Seconds to wait before retrying the same deployment, or None to move on."""
        if not error.retryable or attempt >= self.policy.max_retries:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.policy.max_retry_wait else None
        backoff = self.policy.base_backoff * (2.0**attempt)
        return min(backoff + random.uniform(0, backoff / 2), self.policy.max_retry_wait)  # noqa: S311

    def _failed(self, deployment: Deployment, error: UpstreamError) -> None:
        metrics.UPSTREAM_ERRORS.labels(
            deployment.provider, deployment.metric_model, error.kind
        ).inc()
        if error.retryable or error.kind == ErrorKind.auth:
            self.cooldowns.failed(deployment.cooldown_key, self.policy)

    async def _call(
        self, deployments: list[Deployment], call: Callable[[Deployment], Awaitable[T]]
    ) -> tuple[T, Deployment, list[str]]:
        """`call` on the first deployment that answers: each is retried per the policy, then
        the next one is tried. Returns the result, the deployment and the models tried."""
        tried: list[str] = []
        last: UpstreamError | None = None
        for deployment in self._candidates(deployments):
            if tried:
                metrics.FALLBACKS.labels(tried[-1], deployment.model_id).inc()
            tried.append(deployment.model_id)
            attempt = 0
            while True:
                try:
                    result = await call(deployment)
                except UpstreamError as error:
                    self._failed(deployment, error)
                    last = error
                    _log.info(
                        "upstream_error",
                        model=deployment.model_id,
                        kind=error.kind,
                        status=error.status,
                        attempt=attempt,
                    )
                    if error.kind == ErrorKind.bad_request:
                        raise
                    wait = self._wait(error, attempt)
                    if wait is None:
                        break
                    attempt += 1
                    await asyncio.sleep(wait)
                    continue
                self.cooldowns.succeeded(deployment.cooldown_key)
                return result, deployment, tried
        assert last is not None
        raise AllDeploymentsFailed(
            last.kind,
            last.message,
            status=last.status,
            retry_after=last.retry_after,
            provider=last.provider,
        )

    async def complete(self, deployments: list[Deployment], body: Json) -> tuple[Json, CallOutcome]:
        started = time.perf_counter()
        result, deployment, tried = await self._call(
            deployments,
            lambda d: d.adapter.complete(ChatCall(d.model, body, self.policy.timeout), d.creds),
        )
        usage = Usage.from_openai(result.get("usage")) or _estimate(body, result)
        return result, CallOutcome(
            provider=deployment.provider,
            model=deployment.model_id,
            usage=usage,
            latency_s=time.perf_counter() - started,
            fallbacks=tried[:-1],
        )

    async def stream(
        self, deployments: list[Deployment], body: Json, result: StreamResult
    ) -> AsyncIterator[Json]:
        started = time.perf_counter()
        tried: list[str] = []
        last: UpstreamError | None = None
        for deployment in self._candidates(deployments):
            if tried:
                metrics.FALLBACKS.labels(tried[-1], deployment.model_id).inc()
            tried.append(deployment.model_id)
            call = ChatCall(deployment.model, body, self.policy.timeout)
            attempt = 0
            while True:
                usage: Usage | None = None
                ttft: float | None = None
                text: list[str] = []
                delivered = False
                try:
                    # A model on this machine's CPU may need longer than a network provider
                    # to load and to produce a token while other work shares the cores.
                    idle = max(
                        self.policy.timeout, getattr(deployment.adapter, "min_idle_seconds", 0)
                    )
                    chunks = _idle_timeout(deployment.adapter.stream(call, deployment.creds), idle)
                    async for item in chunks:
                        if item.get("usage"):
                            usage = Usage.from_openai(item["usage"])
                        for choice in item.get("choices") or []:
                            content = (choice.get("delta") or {}).get("content")
                            if content:
                                text.append(content)
                                if ttft is None:
                                    ttft = time.perf_counter() - started
                        delivered = True
                        yield item
                except (UpstreamError, TimeoutError) as exc:
                    error = (
                        exc
                        if isinstance(exc, UpstreamError)
                        else UpstreamError(
                            ErrorKind.timeout,
                            "The provider timed out",
                            provider=deployment.provider,
                        )
                    )
                    self._failed(deployment, error)
                    last = error
                    _log.info(
                        "upstream_stream_error",
                        model=deployment.model_id,
                        kind=error.kind,
                        delivered=delivered,
                        attempt=attempt,
                    )
                    if delivered or error.kind == ErrorKind.bad_request:
                        result.outcome = CallOutcome(
                            provider=deployment.provider,
                            model=deployment.model_id,
                            usage=usage or _estimate_text(body, "".join(text)),
                            latency_s=time.perf_counter() - started,
                            ttft_s=ttft,
                            fallbacks=tried[:-1],
                            error=error,
                        )
                        raise error from None
                    wait = self._wait(error, attempt)
                    if wait is None:
                        break
                    attempt += 1
                    await asyncio.sleep(wait)
                    continue
                self.cooldowns.succeeded(deployment.cooldown_key)
                result.outcome = CallOutcome(
                    provider=deployment.provider,
                    model=deployment.model_id,
                    usage=usage or _estimate_text(body, "".join(text)),
                    latency_s=time.perf_counter() - started,
                    ttft_s=ttft,
                    fallbacks=tried[:-1],
                )
                return
        assert last is not None
        raise AllDeploymentsFailed(
            last.kind,
            last.message,
            status=last.status,
            retry_after=last.retry_after,
            provider=last.provider,
        )

    async def embed(
        self, deployments: list[Deployment], inputs: list[str]
    ) -> tuple[Embeddings, CallOutcome]:
        started = time.perf_counter()
        result, deployment, tried = await self._call(
            deployments,
            lambda d: d.adapter.embed(d.model, inputs, d.creds, self.policy.timeout),
        )
        return result, CallOutcome(
            provider=deployment.provider,
            model=deployment.model_id,
            usage=result.usage,
            latency_s=time.perf_counter() - started,
            fallbacks=tried[:-1],
        )


async def _idle_timeout(chunks: AsyncIterator[Json], idle_seconds: float) -> AsyncIterator[Json]:
    """Fail a stream that goes quiet for `timeout` seconds (however long it runs in all)."""
    iterator = aiter(chunks)
    try:
        while True:
            try:
                async with asyncio.timeout(idle_seconds):
                    item = await anext(iterator)
            except StopAsyncIteration:
                return
            yield item
    finally:
        await iterator.aclose()  # type: ignore[attr-defined]


def _estimate(body: Json, result: Json) -> Usage:
    choices = result.get("choices") or [{}]
    message = choices[0].get("message") or {}
    return _estimate_text(body, str(message.get("content") or ""))


def _estimate_text(body: Json, output: str) -> Usage:
    return Usage(
        input_tokens=estimate_tokens(message_text(body.get("messages", []))),
        output_tokens=estimate_tokens(output),
        estimated=True,
    )
