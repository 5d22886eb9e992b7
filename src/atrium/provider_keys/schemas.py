from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AnyHttpUrl, SecretStr, StringConstraints, field_validator

from atrium.kit.schemas import Input, Output
from atrium.providers.catalog import PROVIDERS

BYOK_PROVIDERS = sorted(
    n for n, spec in PROVIDERS.items() if spec.kind not in ("local", "scripted")
)


class ProviderKeyCreate(Input):
    provider: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    api_key: SecretStr
    base_url: AnyHttpUrl | None = None

    @field_validator("provider")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in BYOK_PROVIDERS:
            raise ValueError(f"must be one of: {', '.join(BYOK_PROVIDERS)}")
        return value

    @field_validator("api_key")
    @classmethod
    def _key_length(cls, value: SecretStr) -> SecretStr:
        if not 1 <= len(value.get_secret_value()) <= 1000:
            raise ValueError("must be between 1 and 1000 characters")
        return value

    @field_validator("base_url")
    @classmethod
    def _url_length(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and len(str(value)) > 2048:
            raise ValueError("must be at most 2048 characters")
        return value


class ProviderKeyPublic(Output):
    """A stored key, described without its secret (only the last four characters)."""

    id: uuid.UUID
    provider: str
    base_url: str | None
    key_hint: str
    created_at: dt.datetime
