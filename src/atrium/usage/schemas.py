from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum

from atrium.kit.schemas import Output


class UsageGroup(StrEnum):
    """What a roll-up may be summed by."""

    tenant = "tenant"
    user = "user"
    key = "key"
    assistant = "assistant"
    model = "model"
    day = "day"


class UsageRow(Output):
    day: dt.date | None = None
    tenant_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    assistant_id: uuid.UUID | None = None
    model: str | None = None
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    errors: int


class UsageSummary(Output):
    since: dt.datetime
    until: dt.datetime
    group_by: list[str]
    # "tenant": every record of the tenant; "own": only the caller's (members);
    # "platform": every tenant's (platform administrators).
    scope: str
    rows: list[UsageRow]
    totals: UsageRow
    # More groups matched than `rows` holds (the roll-up is cut at the row limit).
    truncated: bool = False
