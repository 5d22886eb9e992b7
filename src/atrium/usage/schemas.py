from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from atrium.kit.schemas import Output


class UsageRow(Output):
    day: dt.date | None = None
    model: str | None = None
    api_key_id: uuid.UUID | None = None
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    errors: int


class UsageSummary(Output):
    since: dt.datetime
    until: dt.datetime
    group_by: list[str]
    rows: list[UsageRow]
    totals: UsageRow
