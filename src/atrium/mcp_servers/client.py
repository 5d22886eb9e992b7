"""Talking to an MCP server through the official `mcp` SDK: discover its tools, call one.

Over streamable HTTP every connection goes through the tenant's outbound policy: the SDK
gets an httpx2 client whose transport connects only to checked addresses (unless the
tenant may reach private ones), whose requests are checked against the scheme and the
allowlist, and whose time is capped. The SDK itself follows a redirect only within the
endpoint's origin; anything else fails. Over stdio the command runs as a child process with
only the SDK's safe environment plus the server's own variables (platform administrators
register those). Connect, list and call each have their own time limit.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Tool as ListedTool

from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger
from atrium.kit.netguard import BlockedAddress, check_public_url, guarded_transport2
from atrium.kit.outbound import OutboundPolicy, OutboundRefused, check_url

_log = get_logger("atrium.mcp_servers.client")

CONNECT_SECONDS = 8.0
LIST_SECONDS = 20.0
CALL_SECONDS = 20.0  # connect + call stay under the run's limit per tool call (agents/graph.py)
MAX_TOOLS = 200
MAX_DESCRIPTION = 2000
MAX_TOOL_NAME = 128
MAX_SCHEMA_BYTES = 64 * 1024


class McpUnavailable(AtriumError):
    """The MCP server could not be reached or did not answer as an MCP server should."""

    status_code = 422
    code = "mcp_unavailable"


@dataclass(frozen=True, slots=True)
class Target:
    """Where an MCP server is and what it is sent, credentials opened for one connection."""

    transport: str
    url: str | None = None
    command: str | None = None
    args: Sequence[str] = ()
    secrets: dict[str, str] = field(default_factory=dict)
    policy: OutboundPolicy = field(default_factory=OutboundPolicy)


@dataclass(frozen=True, slots=True)
class DiscoveredTool:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallOutcome:
    text: str
    is_error: bool


class _Guard:
    """The outbound policy for one connection, and the first refusal it made: the SDK turns
    a transport's exception into an error of its own, so the refusal is kept here to be
    reported as what it was (400), not as an unreachable server (422)."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.refusal: AtriumError | None = None

    def refuse(self, exc: AtriumError) -> AtriumError:
        if self.refusal is None:
            self.refusal = exc
        return exc

    async def check_request(self, request: httpx2.Request) -> None:
        try:
            check_url(str(request.url), self.policy, field="url")
        except OutboundRefused as exc:
            raise self.refuse(exc) from None

    async def check_response(self, response: httpx2.Response) -> None:
        # A redirect is never followed off the endpoint's origin (the SDK's rule), but one
        # that points into private space is refused outright, as every outbound path does.
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            return
        target = str(response.request.url.join(location))
        try:
            check_url(target, self.policy, field="url")
            if not self.policy.allow_private:
                await check_public_url(target, field="url")
        except (OutboundRefused, BlockedAddress) as exc:
            raise self.refuse(OutboundRefused(exc.message, field="url")) from None


class _GuardedTransport(httpx2.AsyncBaseTransport):
    def __init__(self, inner: httpx2.AsyncBaseTransport, guard: _Guard) -> None:
        self._inner = inner
        self._guard = guard

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            return await self._inner.handle_async_request(request)
        except Exception as exc:
            blocked = _blocked(exc)
            if blocked is not None:
                raise self._guard.refuse(OutboundRefused(blocked.message, field="url")) from exc
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()


def _http_client(target: Target, guard: _Guard) -> httpx2.AsyncClient:
    inner = (
        httpx2.AsyncHTTPTransport(trust_env=False)
        if target.policy.allow_private
        else guarded_transport2(field="url")
    )
    return httpx2.AsyncClient(
        transport=_GuardedTransport(inner, guard),
        trust_env=False,
        follow_redirects=False,
        timeout=httpx2.Timeout(CALL_SECONDS, connect=CONNECT_SECONDS),
        event_hooks={"request": [guard.check_request], "response": [guard.check_response]},
        headers={"User-Agent": "Atrium/0.1 (+https://github.com/atrium)", **target.secrets},
    )


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _blocked(exc: BaseException) -> BlockedAddress | None:
    for leaf in _leaves(exc):
        seen: BaseException | None = leaf
        for _ in range(8):
            if seen is None:
                break
            if isinstance(seen, BlockedAddress):
                return seen
            if isinstance(seen, BaseExceptionGroup):
                found = _blocked(seen)
                if found is not None:
                    return found
            seen = seen.__cause__ or seen.__context__
    return None


def _reason(exc: BaseException) -> str:
    leaves = _leaves(exc)
    for leaf in leaves:
        if isinstance(leaf, TimeoutError):
            return "it did not answer in time"
    for leaf in leaves:
        message = str(leaf).strip()
        if message:
            # The server's own words are untrusted: short, one line.
            return f"{type(leaf).__name__}: {message.splitlines()[0][:200]}"
    return type(leaves[0]).__name__


@contextlib.asynccontextmanager
async def _connected(target: Target, guard: _Guard) -> AsyncIterator[Client]:
    if target.transport == "http":
        assert target.url is not None
        check_url(target.url, target.policy, field="url")
        async with (
            _http_client(target, guard) as http,
            Client(
                streamable_http_client(target.url, http_client=http),
                read_timeout_seconds=CALL_SECONDS,
                cache=None,
            ) as client,
        ):
            yield client
    else:
        assert target.command is not None
        params = StdioServerParameters(
            command=target.command, args=list(target.args), env=dict(target.secrets) or None
        )
        async with Client(params, read_timeout_seconds=CALL_SECONDS, cache=None) as client:
            yield client


def _fail(exc: BaseException, guard: _Guard) -> AtriumError:
    if guard.refusal is not None:
        return guard.refusal
    if isinstance(exc, AtriumError):
        return exc
    blocked = _blocked(exc)
    if blocked is not None:
        return OutboundRefused(blocked.message, field="url")
    return McpUnavailable(f"The MCP server could not be used: {_reason(exc)}")


def _clean(value: Any) -> Any:
    """A server's JSON made storable: no NUL, no lone surrogate in any string."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _discovered(tool: ListedTool) -> DiscoveredTool | None:
    """What is kept of a listed tool; None (and logged) for one too large to keep."""
    schema = _clean(dict(tool.input_schema or {"type": "object"}))
    name = _clean(str(tool.name))
    if not name or len(name) > MAX_TOOL_NAME or len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        _log.warning("mcp.tool_too_large", name_length=len(name))
        return None
    return DiscoveredTool(
        name=name,
        description=_clean(tool.description or "")[:MAX_DESCRIPTION],
        input_schema=schema,
    )


async def list_tools(target: Target) -> list[DiscoveredTool]:
    """Every tool the server offers (all pages, at most `MAX_TOOLS`)."""
    found: list[DiscoveredTool] = []
    guard = _Guard(target.policy)
    try:
        with anyio.fail_after(CONNECT_SECONDS + LIST_SECONDS):
            async with _connected(target, guard) as client:
                cursor: str | None = None
                while len(found) < MAX_TOOLS:
                    page = await client.list_tools(cursor=cursor)
                    found += [t for t in map(_discovered, page.tools) if t is not None]
                    cursor = page.next_cursor
                    if not cursor:
                        break
    except Exception as exc:  # the SDK raises groups of whatever broke in its tasks
        raise _fail(exc, guard) from exc
    return found[:MAX_TOOLS]


async def call_tool(target: Target, name: str, args: dict[str, Any]) -> CallOutcome:
    """Call one tool; its text content, and whether the server called it an error."""
    guard = _Guard(target.policy)
    try:
        with anyio.fail_after(CONNECT_SECONDS + CALL_SECONDS):
            async with _connected(target, guard) as client:
                result = await client.call_tool(name, args)
    except Exception as exc:
        raise _fail(exc, guard) from exc
    texts = [str(getattr(part, "text", "")) for part in result.content if part.type == "text"]
    others = len(result.content) - len(texts)
    text = "\n".join(t for t in texts if t)
    if others:
        text += f"\n[{others} non-text part(s) left out]"
    return CallOutcome(text=text.strip(), is_error=bool(result.is_error))
