"""Prometheus metrics of the plans' rate limits.

The one label is the limit's name, from Atrium's own list (`LimitName`): never a tenant, a
key or a model a client named, so a client cannot add series.
"""

from __future__ import annotations

from enum import StrEnum

from prometheus_client import Counter


class LimitName(StrEnum):
    requests_per_minute = "requests_per_minute"
    tokens_per_minute = "tokens_per_minute"
    concurrent_runs = "concurrent_runs"


REFUSALS = Counter(
    "atrium_rate_limit_refusals_total", "Requests refused by a plan's rate limit", ["limit"]
)
# Every series exists from the start, so a dashboard shows 0 rather than no data.
for _name in LimitName:
    REFUSALS.labels(limit=_name.value)
