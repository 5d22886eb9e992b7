"""Render every error of the platform API in one shape: {"error": {"code", "message", ...}}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger

_log = get_logger("atrium.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message, **extra}
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _atrium_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AtriumError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Never echo the rejected input back: it may hold a password or a token.
    details = [
        {"field": _field(err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    if any(err["type"] == "json_invalid" for err in exc.errors()):
        return error_response(400, "invalid_json", "The request body is not valid JSON")
    first = details[0] if details else {"field": "body", "message": "Invalid request"}
    return error_response(
        422,
        "validation_error",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        details=details,
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    _log.exception("unhandled_error", error_type=type(exc).__name__)
    return error_response(500, "internal_error", "An internal error occurred")


def install(app: FastAPI) -> None:
    app.add_exception_handler(AtriumError, _atrium_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
