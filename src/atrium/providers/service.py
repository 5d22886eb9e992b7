"""The provider layer's entry point, shared by the gateway and the agent runtime: resolve a
model for a tenant, pick credentials (the tenant's own key first, then the platform's),
reserve the call's worst case against the tenant's budgets, call through the router, price
the call, settle and meter it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from fnmatch import fnmatchcase

from atrium.budgets.schemas import Reservation
from atrium.budgets.service import BudgetExceeded, BudgetService
from atrium.kit.errors import BadRequest, Forbidden, NotFound
from atrium.providers import metrics
from atrium.providers.adapters.base import Adapter
from atrium.providers.adapters.local import LocalAdapter
from atrium.providers.adapters.scripted import ScriptedAdapter
from atrium.providers.catalog import PROVIDERS, Catalog
from atrium.providers.router import Deployment, RetryPolicy, Router, StreamResult
from atrium.providers.types import CallOutcome, Credentials, Embeddings, Json, message_text
from atrium.settings import Settings
from atrium.tenants.limits import PlanLimits
from atrium.usage.recorder import UsageEvent, UsageRecorder

# Loads a tenant's own credential for a provider (None when it has none).
TenantCredentials = Callable[[str], Awaitable[Credentials | None]]


class ModelNotFound(NotFound):
    code = "model_not_found"


class ModelNotPriced(BadRequest):
    """The platform pays for platform-key calls, so it serves only models it can price."""

    code = "model_not_priced"


# A label for models outside the catalogue (a tenant's own key may reach any model name its
# provider accepts): metric label values never come from client input.
UNPRICED_LABEL = "unpriced"
# Tokens of chat formatting per message, on top of its text (role markers, separators).
_MESSAGE_OVERHEAD_TOKENS = 8


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
    # The plan's limits (its monthly ceilings are reserved against); None: no budget.
    limits: PlanLimits | None = None
    plan_id: str | None = None


class ProviderService:
    def __init__(
        self, settings: Settings, recorder: UsageRecorder, *, budgets: BudgetService
    ) -> None:
        self.settings = settings
        self.catalog = Catalog.load(settings.models_file)
        self.recorder = recorder
        self.budgets = budgets
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
        unpriced: str | None = None
        for candidate in chain:
            resolved = self.catalog.resolve(candidate)
            if resolved is None or not self.allowed(resolved, caller.allowed_models):
                continue
            provider, _, model = resolved.partition("/")
            creds = await tenant_credentials(provider) or self.platform_credentials(provider)
            if creds is None:
                continue
            priced = resolved in self.catalog.prices
            if not priced and creds.source != "tenant":
                unpriced = unpriced or resolved
                continue
            out.append(
                Deployment(
                    model_id=resolved,
                    provider=provider,
                    model=model,
                    adapter=self.adapter(provider),
                    creds=creds,
                    tenant_scope=str(caller.tenant_id) if creds.source == "tenant" else None,
                    metric_model=resolved if priced else UNPRICED_LABEL,
                )
            )
        if not out and unpriced is not None:
            raise ModelNotPriced(
                f"The model `{unpriced}` has no price in Atrium's catalogue, so it is not "
                "served with the platform's credentials; add your own provider key to use it",
                field="model",
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
        body, reservation = await self._reserve_chat(deployments, body, caller)
        try:
            result, outcome = await self.router.complete(deployments, body)
        except Exception as exc:
            self._meter_failure(deployments[0], caller, exc)
            await self._settle(reservation, None, Decimal(0))
            raise
        cost = self._meter(outcome, caller, kind="chat")
        await self._settle(reservation, outcome, cost)
        return result

    async def stream(
        self, deployments: list[Deployment], body: Json, caller: Caller
    ) -> AsyncIterator[Json]:
        body, reservation = await self._reserve_chat(deployments, body, caller)
        holder = StreamResult()
        started = False
        try:
            async for item in self.router.stream(deployments, body, holder):
                started = True
                yield item
        except Exception as exc:
            if holder.outcome is None:
                self._meter_failure(deployments[0], caller, exc)
            raise
        finally:
            if holder.outcome is not None:
                cost = self._meter(holder.outcome, caller, kind="chat")
                await self._settle(reservation, holder.outcome, cost)
            elif started and reservation is not None:
                # Abandoned mid-stream: the provider's usage is unknown, so the budget is
                # charged the worst case it reserved rather than nothing.
                await self.budgets.settle(
                    reservation, tokens=reservation.tokens, cost_usd=reservation.cost_usd
                )
            else:
                await self._settle(reservation, None, Decimal(0))

    async def embed(
        self, deployments: list[Deployment], inputs: list[str], caller: Caller
    ) -> Embeddings:
        tokens = sum(len(text.encode()) for text in inputs)
        reservation = await self._reserve(deployments, caller, tokens, 0)
        try:
            result, outcome = await self.router.embed(deployments, inputs)
        except Exception as exc:
            self._meter_failure(deployments[0], caller, exc)
            await self._settle(reservation, None, Decimal(0))
            raise
        cost = self._meter(outcome, caller, kind="embedding")
        await self._settle(reservation, outcome, cost)
        return result

    async def _reserve_chat(
        self, deployments: list[Deployment], body: Json, caller: Caller
    ) -> tuple[Json, Reservation | None]:
        """The body to send (with an output cap when the budget needs one) and the call's
        reservation of its worst case."""
        if not self._budgeted(caller):
            return body, None
        asked = body.get("max_completion_tokens") or body.get("max_tokens")
        capped = not (isinstance(asked, int) and asked > 0)
        output = asked if isinstance(asked, int) and asked > 0 else None
        if output is None:
            output = self.settings.budget_default_max_output_tokens
        choices = body.get("n")
        worst = output * (choices if isinstance(choices, int) and choices > 0 else 1)
        reservation = await self._reserve(deployments, caller, prompt_tokens_bound(body), worst)
        if reservation is not None and capped:
            # Only a call held against a ceiling needs its output bounded; a call under no
            # budget is sent as the client wrote it.
            body = {**body, "max_tokens": output}
        return body, reservation

    def _budgeted(self, caller: Caller) -> bool:
        return caller.limits is not None

    async def _reserve(
        self, deployments: list[Deployment], caller: Caller, prompt: int, output: int
    ) -> Reservation | None:
        """Reserve the worst case: every token the call may use, at the highest price in
        its fallback chain. Refused (`BudgetExceeded`) before any provider is called."""
        limits = caller.limits
        if limits is None:
            return None
        cost = max(self.catalog.price(d.model_id).cost(prompt, output) for d in deployments)
        try:
            return await self.budgets.reserve(
                tenant_id=caller.tenant_id,
                api_key_id=caller.api_key_id,
                user_id=caller.user_id,
                limits=limits,
                tokens=prompt + output,
                cost_usd=cost,
            )
        except BudgetExceeded as exc:
            metrics.BUDGET_REFUSALS.labels(
                metrics.plan_label(caller.plan_id), exc.scope, exc.dimension
            ).inc()
            raise

    async def _settle(
        self, reservation: Reservation | None, outcome: CallOutcome | None, cost: Decimal
    ) -> None:
        if reservation is None:
            return
        tokens = 0
        if outcome is not None:
            tokens = outcome.usage.input_tokens + outcome.usage.output_tokens
        # The settlement is queued before the first await, and its write is shielded: a
        # caller that goes away (a client disconnecting) cancels its call, not the write.
        await self.budgets.settle(reservation, tokens=tokens, cost_usd=cost)

    def _meter(self, outcome: CallOutcome, caller: Caller, *, kind: str) -> Decimal:
        priced = outcome.model in self.catalog.prices
        cost = self.catalog.price(outcome.model).cost(
            outcome.usage.input_tokens, outcome.usage.output_tokens
        )
        status = "error" if outcome.error is not None else "ok"
        model = outcome.model if priced else UNPRICED_LABEL
        labels = (outcome.provider, model)
        plan = metrics.plan_label(caller.plan_id)
        metrics.REQUESTS.labels(*labels, status).inc()
        metrics.TOKENS.labels(*labels, plan, "input").inc(outcome.usage.input_tokens)
        metrics.TOKENS.labels(*labels, plan, "output").inc(outcome.usage.output_tokens)
        metrics.COST.labels(*labels, plan).inc(float(cost))
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
                unpriced=not priced,
                user_id=caller.user_id,
                api_key_id=caller.api_key_id,
                assistant_id=caller.assistant_id,
                request_id=caller.request_id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        return cost

    def _meter_failure(self, deployment: Deployment, caller: Caller, exc: Exception) -> None:
        metrics.REQUESTS.labels(deployment.provider, deployment.metric_model, "error").inc()
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
                unpriced=deployment.metric_model == UNPRICED_LABEL,
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


def prompt_tokens_bound(body: Json) -> int:
    """At most how many tokens a chat request's prompt can be: its UTF-8 bytes (a byte-level
    tokenizer never makes more tokens than bytes), the tools' definitions, and a margin per
    message for the chat template."""
    messages = body.get("messages") or []
    bound = len(message_text(messages).encode()) + _MESSAGE_OVERHEAD_TOKENS * len(messages)
    tools = body.get("tools")
    if tools:
        bound += len(json.dumps(tools).encode())
    return bound
