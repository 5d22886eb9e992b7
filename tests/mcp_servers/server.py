"""A real MCP server built with the official SDK, for the tests: served over streamable HTTP
behind a bearer token (`serve_http`, in a thread of the test process), or over stdio when run
as `python -m tests.mcp_servers.server` (the way a platform administrator registers one).
Every call it receives is recorded in `CALLS`."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

CALLS: list[tuple[str, dict[str, Any]]] = []
SECRET = os.environ.get("MCP_TEST_SECRET", "swordfish")

LONG_NAME = "describe_the_weather_in_a_great_many_words_please"
server = MCPServer("test-tools")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    CALLS.append(("add", {"a": a, "b": b}))
    return str(a + b)


@server.tool()
def secret_word() -> str:
    """The secret word."""
    CALLS.append(("secret_word", {}))
    return SECRET


@server.tool()
def shout(text: str) -> str:
    """The text in capitals."""
    CALLS.append(("shout", {"text": text}))
    return text.upper()


@server.tool()
def repeat(text: str, times: int) -> str:
    """The text, `times` times over (a long answer)."""
    CALLS.append(("repeat", {"text": text, "times": times}))
    return text * times


@server.tool(name=LONG_NAME)
def long_name() -> str:
    """A tool whose name, with its server's, may not fit a tool name's 64 characters."""
    CALLS.append((LONG_NAME, {}))
    return "long"


@server.tool()
def fail(reason: str) -> str:
    """Always fails, with the reason given."""
    CALLS.append(("fail", {"reason": reason}))
    raise ToolError(reason)


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def _bearer(app: App, token: str) -> App:
    """401 unless the request carries `Authorization: Bearer <token>`."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization") != f"Bearer {token}".encode():
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await app(scope, receive, send)

    return guarded


def _redirect(location: str) -> App:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send(
            {
                "type": "http.response.start",
                "status": 307,
                "headers": [(b"location", location.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    return app


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(app: Any, host: str) -> Iterator[str]:
    port = _free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the MCP server did not start"
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=20)


@contextmanager
def serve_http(token: str) -> Iterator[str]:
    """The server over streamable HTTP on a free loopback port: yields its endpoint URL."""
    app = server.streamable_http_app(json_response=True, stateless_http=True)
    with _serve(_bearer(app, token), "127.0.0.1") as base:
        yield f"{base}/mcp"


@contextmanager
def serve_redirect(location: str, host: str = "127.0.0.1") -> Iterator[str]:
    """A server whose every answer redirects to `location`."""
    with _serve(_redirect(location), host) as base:
        yield f"{base}/mcp"


if __name__ == "__main__":
    server.run("stdio")
