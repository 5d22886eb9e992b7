from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import AliasChoices, Field

from atrium.kit.schemas import Input, Name, Output


class ApiKeyCreate(Input):
    name: Name
    role: Literal["admin", "member"] = "member"
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyPublic(Output):
    id: uuid.UUID
    name: str
    role: str
    prefix: str = Field(validation_alias=AliasChoices("display_prefix", "prefix"))
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The secret. Shown once; store it now.")
