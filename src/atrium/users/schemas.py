from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from pydantic import AnyHttpUrl, field_validator

from atrium.kit.schemas import Input, Name, Output

_MAX_PREFERENCES_BYTES = 16 * 1024


class UserPublic(Output):
    id: uuid.UUID
    email: str
    full_name: str
    avatar_url: str | None
    preferences: dict[str, Any]
    email_verified: bool
    is_platform_admin: bool
    created_at: dt.datetime


class UserUpdate(Input):
    full_name: Name | None = None
    avatar_url: AnyHttpUrl | None = None
    preferences: dict[str, Any] | None = None

    @field_validator("avatar_url")
    @classmethod
    def _url_length(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and len(str(value)) > 2048:
            raise ValueError("must be at most 2048 characters")
        return value

    @field_validator("preferences")
    @classmethod
    def _preferences_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value)) > _MAX_PREFERENCES_BYTES:
            raise ValueError(f"must serialise to at most {_MAX_PREFERENCES_BYTES} bytes")
        return value


def user_public(user: Any) -> UserPublic:
    return UserPublic(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        avatar_url=user.avatar_url,
        preferences=user.preferences,
        email_verified=user.email_verified_at is not None,
        is_platform_admin=user.is_platform_admin,
        created_at=user.created_at,
    )
