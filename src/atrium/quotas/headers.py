"""Puts an admitted request's `x-ratelimit-*` headers on its response, whatever the
response is (JSON, a stream, or an error rendered by the handlers)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atrium.quotas.service import HEADERS_STATE


class RateLimitHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                limited: dict[str, str] | None = state.get(HEADERS_STATE)
                if limited:
                    headers = list(message.get("headers", ()))
                    present = {name.lower() for name, _ in headers}
                    headers.extend(
                        (name.encode(), value.encode())
                        for name, value in limited.items()
                        if name.encode() not in present
                    )
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
