"""ASGI middleware: request ids, access logs with tenant context, Prometheus metrics, the
request body's size limit; and the cap on open streams per credential."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

import structlog
from prometheus_client import Counter, Histogram
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atrium.kit.errors import RateLimited
from atrium.kit.logging import get_logger

REQUESTS = Counter(
    "atrium_http_requests_total",
    "HTTP requests by route template, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "atrium_http_request_duration_seconds",
    "HTTP request latency by route template and method",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})
_log = get_logger("atrium.http")


class RequestContextMiddleware:
    """Binds a request id, logs one line per request and records metrics.

    Metrics are labelled by route template (never the raw path) to bound cardinality.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            REQUESTS.labels(template, method, str(status)).inc()
            LATENCY.labels(template, method).observe(elapsed)
            if scope["path"] not in _QUIET:
                _log.info(
                    "request",
                    method=method,
                    route=template,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.clear_contextvars()


# (status, code, message, field) -> error body, as `kit.handlers` renders them
ErrorBody = Callable[[int, str, str, str | None], dict[str, Any]]


def _platform_error(status: int, code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _matches(path: str, pattern: str) -> bool:
    """A prefix, or a pattern whose `*` stands for exactly one path segment."""
    if "*" not in pattern:
        return path.startswith(pattern)
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(
        (w == "*" and p != "") or w == p for p, w in zip(parts, wanted, strict=True)
    )


class BodyLimitMiddleware:
    """Answers 413 to a request body over `max_bytes` before it is read whole: at once when
    its `Content-Length` says so, else as soon as the bytes received pass the limit (a
    chunked body), so a body that never ends costs at most `max_bytes` of memory.

    `larger` raises the limit for paths under a prefix, or matching a pattern with `*` for
    one path segment (uploads: `/knowledge/`, `/threads/*/files`); `families` renders the
    error per path prefix (OpenAI's shape under `/v1/`), the platform's shape elsewhere.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        larger: Mapping[str, int] | None = None,
        families: Mapping[str, ErrorBody] | None = None,
    ) -> None:
        self.app = app
        self._max_bytes = max_bytes
        self._larger = dict(larger or {})
        self._families = dict(families or {})

    def _limit(self, path: str) -> int:
        for prefix, limit in self._larger.items():
            if _matches(path, prefix):
                return limit
        return self._max_bytes

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        render = next(
            (r for prefix, r in self._families.items() if scope["path"].startswith(prefix)),
            _platform_error,
        )
        body = json.dumps(
            render(
                413,
                "payload_too_large",
                f"The request body is larger than {limit} bytes",
                None,
            )
        ).encode()
        # The rest of the body is not read: the connection cannot be reused.
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0  # the server refuses a malformed length itself
                if declared > limit:
                    await self._refuse(scope, send, limit)
                    return
        received = 0
        refused = answered = started = False

        async def counted_receive() -> Message:
            nonlocal received, refused, answered
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        answered = True
                        await self._refuse(scope, send, limit)
                    # To the app the client went away: it stops reading and answers nobody.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the 413 is the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


StreamedResponse = TypeVar("StreamedResponse", bound=StreamingResponse)
STREAMS_REFUSED = Counter(
    "atrium_streams_refused_total", "Streams refused because their holder had too many open"
)


class StreamSlots:
    """Open streams per holder (an API key, or a user signed in without one), capped: a
    stream is a connection and a task held for minutes, so one credential must not hold
    them all. Counted in this process; each replica caps its own."""

    def __init__(self, per_holder: int) -> None:
        self._per_holder = per_holder
        self._open: dict[str, int] = {}

    def open_count(self, holder: str) -> int:
        return self._open.get(holder, 0)

    def acquire(self, holder: str) -> Callable[[], None]:
        """A slot for one more stream of `holder`, or RateLimited; the function returned
        releases it (once, however often it is called)."""
        count = self._open.get(holder, 0)
        if count >= self._per_holder:
            STREAMS_REFUSED.inc()
            raise RateLimited(
                f"Too many open streams for this credential (at most {self._per_holder})",
                retry_after=1,
            )
        self._open[holder] = count + 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                left = self._open[holder] - 1
                if left:
                    self._open[holder] = left
                else:
                    del self._open[holder]

        return release

    async def hold(
        self, holder: str, make: Callable[[], Awaitable[StreamedResponse]]
    ) -> StreamedResponse:
        """The streamed response `make` builds, holding a slot of `holder` until the stream
        ends or its client goes away (or at once if building it fails)."""
        release = self.acquire(holder)
        try:
            response = await make()
        except BaseException:
            release()
            raise
        response.body_iterator = _released(response.body_iterator, release)
        return response


async def _released(
    body: AsyncIterable[str | bytes | memoryview], release: Callable[[], None]
) -> AsyncIterator[str | bytes | memoryview]:
    # Ends with the stream, or when the client goes away: the response's task is cancelled
    # inside this loop, or the generator is closed when the abandoned response is collected.
    try:
        async for chunk in body:
            yield chunk
    finally:
        release()


class _Principal(Protocol):
    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def user_id(self) -> uuid.UUID | None: ...
    @property
    def api_key_id(self) -> uuid.UUID | None: ...


def stream_holder(auth: _Principal) -> str:
    """Whose slots a stream takes: its API key's, else its user's (in that tenant)."""
    if auth.api_key_id is not None:
        return f"key:{auth.api_key_id}"
    return f"user:{auth.tenant_id}:{auth.user_id}"
