"""Domain errors. Services raise these; one handler renders them in the project's shape:

{"error": {"code": "not_found", "message": "...", "field"?: "...", "details"?: [...]}}
"""

from __future__ import annotations

from typing import Any


class AtriumError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        commit: bool = False,
    ) -> None:
        super().__init__(message)
        self.commit = commit
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers


class BadRequest(AtriumError):
    pass


class InvalidToken(AtriumError):
    status_code = 400
    code = "invalid_token"


class Unauthorized(AtriumError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str = "Authentication required", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AtriumError):
    status_code = 403
    code = "forbidden"


class NotFound(AtriumError):
    status_code = 404
    code = "not_found"


class Conflict(AtriumError):
    status_code = 409
    code = "conflict"


class QuotaExceeded(AtriumError):
    status_code = 429
    code = "quota_exceeded"


class RateLimited(AtriumError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(retry_after, 1))})
