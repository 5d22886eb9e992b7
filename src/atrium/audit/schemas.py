from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from atrium.kit.schemas import Output


class AuditEntryPublic(Output):
    id: int
    action: str
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]
    created_at: dt.datetime
