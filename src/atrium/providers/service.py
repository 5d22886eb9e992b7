"""The provider layer's entry point, shared by the gateway and the agent runtime: resolve a
model for a tenant, pick credentials (the tenant's own key first, then the platform's),
call through the router, price the call, meter it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from fnmatch import fnmatchcase

from atrium.kit.errors import Forbidden, NotFound
from atrium.providers import metrics
from atrium.providers.adapters.base import Adapter
from atrium.providers.adapters.local import LocalAdapter
from atrium.providers.adapters.scripted import ScriptedAdapter
from atrium.providers.catalog import PROVIDERS, Catalog
from atrium.providers.router import Deployment, RetryPolicy, Router, StreamResult
from atrium.providers.types import CallOutcome, Credentials, Embeddings, Json
from atrium.settings import Settings
from atrium.usage.recorder import UsageEvent, UsageRecorder

# Loads a tenant's own credential for a provider (None when it has none).
TenantCredentials = Callable[[str], Awaitable[Credentials | None]]


class ModelNotFound(NotFound):
    code = "model_not_found"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a call is metered to."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    allowed_models: list[str]
    assistant_id: uuid.UUID | None = None
    request_id: str | None = None
    # Called with every metered call (its outcome and cost), e.g. to total a run's usage.
    on_usage: Callable[[CallOutcome, Decimal], None] | None = None


class ProviderService:
    def __init__(self, settings: Settings, recorder: UsageRecorder) -> None:
        self.settings = settings
        self.catalog = Catalog.load(settings.models_file)
        self.recorder = recorder
        self.router = Router(
            RetryPolicy(
                timeout=settings.provider_timeout_seconds,
                max_retries=settings.provider_max_retries,
                max_retry_wait=settings.provider_max_retry_wait_seconds,
                cooldown_failures=settings.provider_cooldown_failures,
                cooldown_seconds=settings.provider_cooldown_seconds,
            )
        )
        self.local = LocalAdapter(
            context_tokens=settings.local_model_context_tokens,
            threads=settings.local_model_threads,
        )
        self._adapters: dict[str, Adapter] = {
            "local": self.local,
            "scripted": ScriptedAdapter(slow_delay=settings.scripted_slow_delay_seconds),
        }

    def adapter(self, provider: str) -> Adapter:
        """The adapter for a provider, built on first use: each SDK weighs tens of megabytes,
        so an instance that never calls Gemini never loads google-genai."""
        adapter = self._adapters.get(provider)
        if adapter is None:
            spec = PROVIDERS[provider]
            if spec.kind == "openai":
                from atrium.providers.adapters.openai_compat import OpenAICompatibleAdapter

                adapter = OpenAICompatibleAdapter(provider, default_base_url=spec.default_base_url)
            elif spec.kind == "anthropic":
                from atrium.providers.adapters.anthropic import AnthropicAdapter

                adapter = AnthropicAdapter()
            else:
                from atrium.providers.adapters.gemini import GeminiAdapter

                adapter = GeminiAdapter()
            self._adapters[provider] = adapter
        return adapter

    def platform_credentials(self, provider: str) -> Credentials | None:
        spec = PROVIDERS[provider]
        if spec.kind == "local":
            return Credentials(None, None, "platform")
        if spec.kind == "scripted":
            return Credentials(None, None, "platform") if self.settings.scripted_models else None
        key = self.settings.provider_key(provider)
        base_url = self.settings.provider_base_url(provider)
        if spec.needs_key and not key:
            return None
        if not spec.needs_key and not base_url:
            return None  # self-hosted servers are used only once their URL is configured
        return Credentials(key, base_url, "platform")

    @staticmethod
    def allowed(model_id: str, patterns: list[str]) -> bool:
        return any(fnmatchcase(model_id, p) for p in patterns)

    def resolve(self, name: str, caller: Caller) -> str:
        model_id = self.catalog.resolve(name)
        if model_id is None:
            raise ModelNotFound(f"The model `{name}` does not exist", field="model")
        if not self.allowed(model_id, caller.allowed_models):
            raise Forbidden(f"Your plan does not include the model `{model_id}`", field="model")
        return model_id

    async def deployments(
        self, model_id: str, caller: Caller, tenant_credentials: TenantCredentials
    ) -> list[Deployment]:
        chain = [model_id, *self.catalog.fallbacks.get(model_id, [])]
        out: list[Deployment] = []
        for candidate in chain:
            resolved = self.catalog.resolve(candidate)
            if resolved is None or not self.allowed(resolved, caller.allowed_models):
                continue
            provider, _, model = resolved.partition("/")
            creds = await tenant_credentials(provider) or self.platform_credentials(provider)
            if creds is None:
                continue
            out.append(
                Deployment(
                    model_id=resolved,
                    provider=provider,
                    model=model,
                    adapter=self.adapter(provider),
                    creds=creds,
                    tenant_scope=str(caller.tenant_id) if creds.source == "tenant" else None,
                )
            )
        if not out:
            raise ModelNotFound(
                f"The model `{model_id}` is not available: its provider is not configured",
                field="model",
            )
        return out

    def available_models(self, caller: Caller, tenant_providers: set[str]) -> list[str]:
        models = []
        for model_id in sorted(self.catalog.prices):
            provider = model_id.partition("/")[0]
            if provider not in tenant_providers and self.platform_credentials(provider) is None:
                continue
            if self.allowed(model_id, caller.allowed_models):
                models.append(model_id)
        return models

    async def complete(self, deployments: list[Deployment], body: Json, caller: Caller) -> Json:
        try:
            result, outcome = await self.router.complete(deployments, body)
        except Exception as exc:
            self._meter_failure(deployments[0], caller, exc)
            raise
        self._meter(outcome, caller, kind="chat")
        return result

    async def stream(
        self, deployments: list[Deployment], body: Json, caller: Caller
    ) -> AsyncIterator[Json]:
        holder = StreamResult()
        try:
            async for item in self.router.stream(deployments, body, holder):
                yield item
        except Exception as exc:
            if holder.outcome is None:
                self._meter_failure(deployments[0], caller, exc)
            raise
        finally:
            if holder.outcome is not None:
                self._meter(holder.outcome, caller, kind="chat")

    async def embed(
        self, deployments: list[Deployment], inputs: list[str], caller: Caller
    ) -> Embeddings:
        try:
            result, outcome = await self.router.embed(deployments, inputs)
        except Exception as exc:
            self._meter_failure(deployments[0], caller, exc)
            raise
        self._meter(outcome, caller, kind="embedding")
        return result

    def _meter(self, outcome: CallOutcome, caller: Caller, *, kind: str) -> None:
        price = self.catalog.price(outcome.model)
        cost = price.cost(outcome.usage.input_tokens, outcome.usage.output_tokens)
        status = "error" if outcome.error is not None else "ok"
        labels = (outcome.provider, outcome.model)
        metrics.REQUESTS.labels(*labels, status).inc()
        metrics.TOKENS.labels(*labels, "input").inc(outcome.usage.input_tokens)
        metrics.TOKENS.labels(*labels, "output").inc(outcome.usage.output_tokens)
        metrics.COST.labels(*labels).inc(float(cost))
        if caller.on_usage is not None:
            caller.on_usage(outcome, cost)
        metrics.LATENCY.labels(*labels).observe(outcome.latency_s)
        if outcome.ttft_s is not None:
            metrics.TTFT.labels(*labels).observe(outcome.ttft_s)
        self.recorder.record(
            UsageEvent(
                tenant_id=caller.tenant_id,
                kind=kind,
                provider=outcome.provider,
                model=outcome.model,
                input_tokens=outcome.usage.input_tokens,
                output_tokens=outcome.usage.output_tokens,
                cost_usd=cost,
                latency_ms=int(outcome.latency_s * 1000),
                ttft_ms=int(outcome.ttft_s * 1000) if outcome.ttft_s is not None else None,
                status=status,
                estimated=outcome.usage.estimated,
                user_id=caller.user_id,
                api_key_id=caller.api_key_id,
                assistant_id=caller.assistant_id,
                request_id=caller.request_id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )

    def _meter_failure(self, deployment: Deployment, caller: Caller, exc: Exception) -> None:
        metrics.REQUESTS.labels(deployment.provider, deployment.model_id, "error").inc()
        self.recorder.record(
            UsageEvent(
                tenant_id=caller.tenant_id,
                kind="chat",
                provider=deployment.provider,
                model=deployment.model_id,
                input_tokens=0,
                output_tokens=0,
                cost_usd=Decimal(0),
                latency_ms=0,
                status="error",
                user_id=caller.user_id,
                api_key_id=caller.api_key_id,
                assistant_id=caller.assistant_id,
                request_id=caller.request_id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )

    async def close(self) -> None:
        for adapter in {id(a): a for a in self._adapters.values()}.values():
            close = getattr(adapter, "close", None)
            if close is not None:
                await close()
