"""Render every error in one shape per API family. The platform API answers
`{"error": {"code", "message", "field"?, "details"?}}`; a family may register its own
renderer for a path prefix (the OpenAI-compatible gateway renders OpenAI's shape)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg_pool
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger
from atrium.kit.schemas import ErrorPublic

_log = get_logger("atrium.errors")

# (status, code, message, field) -> body
Renderer = Callable[[int, str, str, str | None], dict[str, Any]]


@dataclass(frozen=True)
class ErrorFamily:
    """How one API family (by path prefix) renders errors."""

    render: Renderer
    model: type[BaseModel]  # the rendered body, for the OpenAPI description
    validation_status: int = 422


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


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


class ErrorRendering:
    def __init__(self, families: Mapping[str, ErrorFamily]) -> None:
        self._families = dict(families)

    def _family(self, request: Request) -> ErrorFamily | None:
        for prefix, family in self._families.items():
            if request.url.path.startswith(prefix):
                return family
        return None

    def respond(
        self,
        request: Request,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> JSONResponse:
        family = self._family(request)
        if family is not None:
            return JSONResponse(
                family.render(status, code, message, field), status_code=status, headers=headers
            )
        error: dict[str, Any] = {"code": code, "message": message}
        if field is not None:
            error["field"] = field
        if details is not None:
            error["details"] = details
        return JSONResponse({"error": error}, status_code=status, headers=headers)

    async def atrium_error(self, request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AtriumError)
        return self.respond(
            request,
            exc.status_code,
            exc.code,
            exc.message,
            field=exc.field,
            details=exc.details,
            headers=exc.headers,
        )

    async def validation_error(self, request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        if any(err["type"] == "json_invalid" for err in errors):
            return self.respond(request, 400, "invalid_json", "The request body is not valid JSON")
        # Never echo the rejected input back: it may hold a password or a token.
        details = [
            {"field": _field(err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in errors
        ]
        first = details[0] if details else {"field": "body", "message": "Invalid request"}
        family = self._family(request)
        status = family.validation_status if family else 422
        return self.respond(
            request,
            status,
            "validation_error",
            f"{first['field']}: {first['message']}",
            field=first["field"],
            details=details,
        )

    async def http_error(self, request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return self.respond(request, exc.status_code, code, message, headers=exc.headers)

    async def overloaded(self, request: Request, exc: Exception) -> JSONResponse:
        # Every database connection stayed busy for the pool's whole timeout: shed the
        # request with a status a client retries, not as an internal error.
        _log.warning("overloaded", error_type=type(exc).__name__)
        return self.respond(
            request,
            503,
            "overloaded",
            "The server is busy; retry shortly",
            headers={"Retry-After": "1"},
        )

    async def unhandled(self, request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled_error", error_type=type(exc).__name__)
        return self.respond(request, 500, "internal_error", "An internal error occurred")


def _describe_errors(app: FastAPI, families: Mapping[str, ErrorFamily]) -> None:
    """Describe in /openapi.json the error bodies the handlers below really send: FastAPI
    documents its own validation shape (`{"detail": [...]}`), which Atrium never sends."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        names: dict[str, type[BaseModel]] = {ErrorPublic.__name__: ErrorPublic}
        names.update({f.model.__name__: f.model for f in families.values()})
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in names.items():
            for sub, sub_schema in (
                model.model_json_schema(ref_template="#/components/schemas/{model}")
                .pop("$defs", {})
                .items()
            ):
                components.setdefault(sub, sub_schema)
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            model_schema.pop("$defs", None)
            components[name] = model_schema
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for path, operations in schema.get("paths", {}).items():
            family = next((f for p, f in families.items() if path.startswith(p)), None)
            ref = {
                "$ref": f"#/components/schemas/{(family.model if family else ErrorPublic).__name__}"
            }
            body = {"application/json": {"schema": ref}}
            validation = str(family.validation_status if family else 422)
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                if operation.get("parameters") or operation.get("requestBody"):
                    responses[validation] = {"description": "Invalid request", "content": body}
                responses.setdefault("4XX", {"description": "Refused", "content": body})
                responses.setdefault("5XX", {"description": "Failed", "content": body})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI, families: Mapping[str, ErrorFamily] | None = None) -> None:
    rendering = ErrorRendering(families or {})
    _describe_errors(app, families or {})
    app.add_exception_handler(AtriumError, rendering.atrium_error)
    app.add_exception_handler(RequestValidationError, rendering.validation_error)
    app.add_exception_handler(StarletteHTTPException, rendering.http_error)
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, rendering.overloaded)
    app.add_exception_handler(psycopg_pool.PoolTimeout, rendering.overloaded)
    app.add_exception_handler(Exception, rendering.unhandled)
