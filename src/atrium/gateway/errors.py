"""Errors of the gateway, and their rendering in OpenAI's shape:
`{"error": {"message", "type", "param", "code"}}`, so OpenAI SDKs raise their own types."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from atrium.kit.errors import AtriumError
from atrium.providers.types import ErrorKind, UpstreamError

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorPublic(BaseModel):
    """An error under `/v1/`, in OpenAI's shape."""

    error: OpenAIErrorDetail


def openai_error(status: int, code: str, message: str, field: str | None) -> dict[str, Any]:
    param = field.removeprefix("body.") if field else None
    return {
        "error": {
            "message": message,
            "type": _TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


class UpstreamFailed(AtriumError):
    """A provider call failed after retries and fallbacks."""

    def __init__(self, error: UpstreamError) -> None:
        status, code = {
            ErrorKind.rate_limited: (429, "upstream_rate_limited"),
            ErrorKind.timeout: (504, "upstream_timeout"),
            ErrorKind.connection: (502, "upstream_unavailable"),
            ErrorKind.server: (502, "upstream_error"),
            ErrorKind.malformed: (502, "upstream_malformed_response"),
            ErrorKind.auth: (502, "upstream_auth_error"),
            ErrorKind.bad_request: (
                error.status if error.status in (400, 404, 422) else 400,
                "upstream_invalid_request",
            ),
        }[error.kind]
        headers = None
        if error.kind == ErrorKind.rate_limited and error.retry_after:
            headers = {"Retry-After": str(max(1, round(error.retry_after)))}
        super().__init__(error.message, headers=headers)
        self.status_code = status
        self.code = code
