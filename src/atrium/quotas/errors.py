"""The refusal of a request over a limit: 429 with `Retry-After` and the limit's headers."""

from __future__ import annotations

from collections.abc import Mapping

from atrium.kit.errors import RateLimited
from atrium.quotas.metrics import REFUSALS, LimitName


class LimitReached(RateLimited):
    """A plan's (or a narrower override's) limit is reached; the message names it."""

    def __init__(
        self,
        limit: LimitName,
        message: str,
        *,
        retry_after: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, retry_after=max(1, round(retry_after + 0.499)))
        self.limit = limit
        self.headers = {**(headers or {}), **(self.headers or {})}
        REFUSALS.labels(limit=limit.value).inc()
