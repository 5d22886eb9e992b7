"""Base classes for request and response schemas."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

T = TypeVar("T")


def unstorable(value: Any, path: str) -> str | None:
    """Where `value` holds text PostgreSQL cannot store (NUL in text and jsonb, or a lone
    surrogate, which has no UTF-8 form), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return f"{path} contains a NUL character"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"{path} contains an unpaired surrogate"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable(key, f"{path} (a key)") or unstorable(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None


class Storable(BaseModel):
    """A request body whose text, however deeply nested, PostgreSQL can store: anything
    else is refused with a 422 naming the field, not a 500 from the driver. Nested models
    check their own fields; a model that allows extra fields checks those too, since they
    travel on (to a provider, into a usage record, into a log line) like any other."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: Any) -> Any:
        problem = unstorable(value, info.field_name)
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _storable_extra(self) -> Any:
        extra = self.__pydantic_extra__
        if extra:
            for key, item in extra.items():
                problem = unstorable(key, "a field name") or unstorable(item, key)
                if problem is not None:
                    raise ValueError(problem)
        return self


class Input(Storable):
    """A request body: unknown fields are rejected, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: list[dict[str, Any]] | None = None


class ErrorPublic(BaseModel):
    """Every error of the platform API: `{"error": {"code", "message", ...}}`."""

    error: ErrorDetail


class Page(Output, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128, strip_whitespace=False)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Limit = Annotated[int, Field(ge=1, le=200)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
