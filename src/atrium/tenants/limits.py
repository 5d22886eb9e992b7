"""A plan's limits and the narrower limits a tenant admin may set on one API key or member.

Plans store their limits as JSON (so an operator can add one without a migration); every
reader goes through `PlanLimits`, so a limit has one name and one type everywhere. `None`
means "no limit".
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Feature(StrEnum):
    """What a plan may switch on or off, beyond its numeric limits."""

    chat = "chat"
    gateway = "gateway"
    tools = "tools"
    mcp = "mcp"
    byok = "byok"
    knowledge = "knowledge"
    audit_export = "audit_export"


class LimitOverrides(BaseModel):
    """Limits a tenant admin narrows for one API key or one member. Each may only lower the
    plan's value: the effective limit is the smaller of the two."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests_per_minute: int | None = Field(default=None, ge=1, le=10_000_000)
    tokens_per_minute: int | None = Field(default=None, ge=1, le=10_000_000_000)
    tokens_per_month: int | None = Field(default=None, ge=1, le=10**15)
    cost_ceiling_usd_per_month: float | None = Field(default=None, ge=0, le=10_000_000)


class PlanLimits(LimitOverrides):
    """Everything a plan limits. Unknown keys in the stored JSON are kept, not refused, so
    a newer release's plan rows do not break an older process."""

    model_config = ConfigDict(extra="allow", frozen=True)

    concurrent_runs: int | None = Field(default=None, ge=1)
    max_assistants: int | None = Field(default=None, ge=0)
    max_members: int | None = Field(default=None, ge=1)
    storage_mb: int | None = Field(default=None, ge=0)
    allowed_models: list[str] = Field(default_factory=lambda: ["*"])
    features: frozenset[Feature] = frozenset(Feature)

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> PlanLimits:
        return cls.model_validate(stored)

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    def narrowed(self, *overrides: LimitOverrides | None) -> PlanLimits:
        """These limits with each override applied: the smaller value wins, and an override
        never raises a plan's limit."""
        changes: dict[str, Any] = {}
        for override in overrides:
            if override is None:
                continue
            for name in LimitOverrides.model_fields:
                value = getattr(override, name)
                if value is None:
                    continue
                current = changes.get(name, getattr(self, name))
                changes[name] = value if current is None else min(current, value)
        return self.model_copy(update=changes) if changes else self
