"""Prometheus metrics of LLM calls, by provider, model and plan.

Tenant is deliberately not a label: with thousands of tenants it would multiply every
series. Per-tenant figures come from the usage records (`GET /tenants/current/usage`).
Label values come only from Atrium's own vocabulary (the provider list, the model
catalogue, the plans), never from client input: a model outside the catalogue is labelled
`unpriced`, so made-up model names cannot grow `/metrics`.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

TOKENS = Counter(
    "atrium_llm_tokens_total",
    "Tokens by provider, model, plan and direction",
    ["provider", "model", "plan", "direction"],
)
COST = Counter(
    "atrium_llm_cost_usd_total",
    "Cost in US dollars by provider, model and plan",
    ["provider", "model", "plan"],
)
BUDGET_REFUSALS = Counter(
    "atrium_budget_refusals_total",
    "Calls refused before reaching a provider because they would cross a monthly budget, by "
    "plan, whose budget (tenant, key, member) and which ceiling (tokens, cost)",
    ["plan", "scope", "ceiling"],
)
REQUESTS = Counter(
    "atrium_llm_requests_total",
    "LLM calls by provider, model and outcome",
    ["provider", "model", "outcome"],
)
LATENCY = Histogram(
    "atrium_llm_request_duration_seconds",
    "Whole LLM call latency",
    ["provider", "model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
TTFT = Histogram(
    "atrium_llm_time_to_first_token_seconds",
    "Time to the first streamed token",
    ["provider", "model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPSTREAM_ERRORS = Counter(
    "atrium_llm_upstream_errors_total",
    "Failed provider calls by kind",
    ["provider", "model", "kind"],
)
FALLBACKS = Counter(
    "atrium_llm_fallbacks_total", "Fallbacks from one model to the next", ["from_model", "to_model"]
)


def plan_label(plan_id: str | None) -> str:
    """A plan's label value (plans are defined by the operator, not by clients)."""
    return plan_id or "none"
