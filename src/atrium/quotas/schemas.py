"""The limits a tenant admin sets on one API key or one member."""

from __future__ import annotations

from pydantic import Field

from atrium.kit.schemas import Input, Output
from atrium.tenants.limits import LimitOverrides


class LimitsUpdate(Input):
    """The narrower limits of one API key or member, replacing any set before. A missing or
    null limit means the plan's; a value above the plan's has no effect (the smaller one
    applies)."""

    requests_per_minute: int | None = Field(default=None, ge=1, le=10_000_000)
    tokens_per_minute: int | None = Field(default=None, ge=1, le=10_000_000_000)
    tokens_per_month: int | None = Field(default=None, ge=1, le=10**15)
    cost_ceiling_usd_per_month: float | None = Field(default=None, ge=0, le=10_000_000)

    def overrides(self) -> LimitOverrides:
        return LimitOverrides.model_validate(self.model_dump())


class EffectiveLimitsPublic(Output):
    requests_per_minute: int | None
    tokens_per_minute: int | None
    tokens_per_month: int | None
    cost_ceiling_usd_per_month: float | None


class LimitsPublic(Output):
    """The limits set on one API key or member (null: the plan's), and the limits that
    apply to it: the plan's narrowed by them."""

    requests_per_minute: int | None
    tokens_per_minute: int | None
    tokens_per_month: int | None
    cost_ceiling_usd_per_month: float | None
    effective: EffectiveLimitsPublic
