"""Which providers exist, how model ids resolve, and what models cost.

Model ids are `provider/model` (e.g. `openai/gpt-4o-mini`). Aliases map short names to ids,
fallbacks list what to try when a model fails. Prices are US dollars per million tokens and
can be overridden in `ATRIUM_MODELS_FILE` (JSON):

    {"aliases": {"fast": "groq/llama-3.1-8b-instant"},
     "fallbacks": {"openai/gpt-4o": ["anthropic/claude-3-5-sonnet-latest"]},
     "prices": {"openai/gpt-4o": {"input": 2.5, "output": 10, "context_window": 128000}}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["openai", "anthropic", "gemini", "local", "scripted"]


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    kind: Kind
    default_base_url: str | None
    needs_key: bool = True


PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec("openai", "openai", "https://api.openai.com/v1"),
        ProviderSpec("anthropic", "anthropic", "https://api.anthropic.com"),
        ProviderSpec("gemini", "gemini", None),
        ProviderSpec("groq", "openai", "https://api.groq.com/openai/v1"),
        ProviderSpec("deepseek", "openai", "https://api.deepseek.com/v1"),
        ProviderSpec("xai", "openai", "https://api.x.ai/v1"),
        ProviderSpec("openrouter", "openai", "https://openrouter.ai/api/v1"),
        ProviderSpec("together", "openai", "https://api.together.xyz/v1"),
        ProviderSpec("mistral", "openai", "https://api.mistral.ai/v1"),
        ProviderSpec("ollama", "openai", "http://127.0.0.1:11434/v1", needs_key=False),
        ProviderSpec("vllm", "openai", None, needs_key=False),
        ProviderSpec("llamacpp", "openai", None, needs_key=False),
        ProviderSpec("local", "local", None, needs_key=False),
        ProviderSpec("scripted", "scripted", None, needs_key=False),
    )
}


@dataclass(frozen=True, slots=True)
class Price:
    input: Decimal  # USD per million input tokens
    output: Decimal  # USD per million output tokens
    context_window: int
    kind: Literal["chat", "embedding"] = "chat"

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return (self.input * input_tokens + self.output * output_tokens) / Decimal(1_000_000)


def _p(i: str, o: str, ctx: int, kind: Literal["chat", "embedding"] = "chat") -> Price:
    return Price(Decimal(i), Decimal(o), ctx, kind)


# List prices of common models (USD per million tokens, standard tier).
DEFAULT_PRICES: dict[str, Price] = {
    "openai/gpt-5": _p("1.25", "10", 400_000),
    "openai/gpt-5-mini": _p("0.25", "2", 400_000),
    "openai/gpt-5-nano": _p("0.05", "0.40", 400_000),
    "openai/gpt-4.1": _p("2", "8", 1_047_576),
    "openai/gpt-4.1-mini": _p("0.40", "1.60", 1_047_576),
    "openai/gpt-4.1-nano": _p("0.10", "0.40", 1_047_576),
    "openai/gpt-4o": _p("2.50", "10", 128_000),
    "openai/gpt-4o-mini": _p("0.15", "0.60", 128_000),
    "openai/o3-mini": _p("1.10", "4.40", 200_000),
    "openai/o4-mini": _p("1.10", "4.40", 200_000),
    "openai/text-embedding-3-small": _p("0.02", "0", 8_191, "embedding"),
    "openai/text-embedding-3-large": _p("0.13", "0", 8_191, "embedding"),
    "anthropic/claude-opus-4-1": _p("15", "75", 200_000),
    "anthropic/claude-sonnet-4-5": _p("3", "15", 200_000),
    "anthropic/claude-sonnet-4-0": _p("3", "15", 200_000),
    "anthropic/claude-3-7-sonnet-latest": _p("3", "15", 200_000),
    "anthropic/claude-3-5-sonnet-latest": _p("3", "15", 200_000),
    "anthropic/claude-3-5-haiku-latest": _p("0.80", "4", 200_000),
    "anthropic/claude-haiku-4-5": _p("1", "5", 200_000),
    "gemini/gemini-2.5-pro": _p("1.25", "10", 1_048_576),
    "gemini/gemini-2.5-flash": _p("0.30", "2.50", 1_048_576),
    "gemini/gemini-2.5-flash-lite": _p("0.10", "0.40", 1_048_576),
    "gemini/gemini-2.0-flash": _p("0.10", "0.40", 1_048_576),
    "gemini/text-embedding-004": _p("0", "0", 2_048, "embedding"),
    "groq/llama-3.1-8b-instant": _p("0.05", "0.08", 131_072),
    "groq/llama-3.3-70b-versatile": _p("0.59", "0.79", 131_072),
    "deepseek/deepseek-chat": _p("0.27", "1.10", 64_000),
    "deepseek/deepseek-reasoner": _p("0.55", "2.19", 64_000),
    "xai/grok-3": _p("3", "15", 131_072),
    "xai/grok-3-mini": _p("0.30", "0.50", 131_072),
    "mistral/mistral-large-latest": _p("2", "6", 131_072),
    "mistral/mistral-small-latest": _p("0.20", "0.60", 32_768),
    "openrouter/openai/gpt-4o-mini": _p("0.15", "0.60", 128_000),
    "together/meta-llama/Llama-3.3-70B-Instruct-Turbo": _p("0.88", "0.88", 131_072),
    "local/smollm2-135m-instruct": _p("0", "0", 8_192),
    "local/all-minilm-l6-v2": _p("0", "0", 256, "embedding"),
    "scripted/fast": _p("0", "0", 1_000_000),
    "scripted/slow": _p("0", "0", 1_000_000),
}

DEFAULT_ALIASES = {
    "local": "local/smollm2-135m-instruct",
    "smollm2": "local/smollm2-135m-instruct",
    "all-minilm-l6-v2": "local/all-minilm-l6-v2",
}
UNKNOWN_PRICE = Price(Decimal(0), Decimal(0), 0)


class _PriceOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    context_window: int = Field(default=0, ge=0)
    kind: Literal["chat", "embedding"] = "chat"


class _ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aliases: dict[str, str] = {}
    fallbacks: dict[str, list[str]] = {}
    prices: dict[str, _PriceOverride] = {}


@dataclass
class Catalog:
    prices: dict[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    aliases: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ALIASES))
    fallbacks: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> Catalog:
        catalog = cls()
        if path is None:
            return catalog
        data: Any = json.loads(path.read_text())
        parsed = _ModelsFile.model_validate(data)
        catalog.aliases.update(parsed.aliases)
        catalog.fallbacks.update(parsed.fallbacks)
        for model_id, p in parsed.prices.items():
            catalog.prices[model_id] = Price(p.input, p.output, p.context_window, p.kind)
        return catalog

    def resolve(self, name: str) -> str | None:
        """`provider/model` for a requested name (alias, full id, or a bare known model)."""
        name = self.aliases.get(name, name)
        provider, sep, _ = name.partition("/")
        if sep and provider in PROVIDERS:
            return name
        matches = [m for m in self.prices if m.partition("/")[2] == name]
        return matches[0] if len(matches) == 1 else None

    def price(self, model_id: str) -> Price:
        return self.prices.get(model_id, UNKNOWN_PRICE)
