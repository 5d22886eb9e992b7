"""The interface every provider adapter implements, and helpers they share."""

from __future__ import annotations

import ipaddress
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from atrium.kit.netguard import blocked_cause, is_public
from atrium.providers.types import (
    ChatCall,
    Credentials,
    Embeddings,
    ErrorKind,
    Json,
    UpstreamError,
)

T = TypeVar("T")

# Shapes of provider secrets that an upstream error message might quote back.
_SECRET_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_\-*]{6,}|sk-ant-[A-Za-z0-9_\-*]{6,}|AIza[0-9A-Za-z_\-]{10,}|"
    r"gsk_[A-Za-z0-9*]{6,}|xai-[A-Za-z0-9*]{6,}|[Bb]earer\s+\S+)"
)


class Adapter(Protocol):
    """A provider behind OpenAI's chat-completions format."""

    name: str

    async def complete(self, call: ChatCall, creds: Credentials) -> Json:
        """A whole `chat.completion` object (with `usage`)."""
        ...

    def stream(self, call: ChatCall, creds: Credentials) -> AsyncIterator[Json]:
        """`chat.completion.chunk` objects; the last one carries `usage` (empty choices)."""
        ...

    async def embed(
        self, model: str, inputs: list[str], creds: Credentials, timeout_seconds: float
    ) -> Embeddings: ...


def status_error(
    status: int,
    message: str,
    *,
    creds: Credentials,
    provider: str,
    headers: Mapping[str, str] | None = None,
) -> UpstreamError:
    """An upstream HTTP error status as an UpstreamError: what kind it is (and so whether it
    is retried), a message free of credentials, and any Retry-After (seconds or ms)."""
    if status == 429:
        kind = ErrorKind.rate_limited
    elif status >= 500:
        kind = ErrorKind.server
    elif status in (401, 403):
        kind, message = ErrorKind.auth, "The provider rejected the credential"
    else:
        kind = ErrorKind.bad_request
    retry_after = None
    if headers is not None:
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            value = headers.get(name)
            if value:
                try:
                    retry_after = float(value) * scale
                    break
                except ValueError:
                    continue
    return UpstreamError(
        kind, scrub(message, creds), status=status, retry_after=retry_after, provider=provider
    )


ExceptionTypes = type[BaseException] | tuple[type[BaseException], ...]


def transport_error(
    exc: BaseException,
    provider: str,
    *,
    timeout: ExceptionTypes,
    connection: ExceptionTypes,
    malformed: ExceptionTypes,
) -> UpstreamError | None:
    """A failure below HTTP status level (timed out, connection lost, unreadable answer, a
    connection the address guard refused) as an UpstreamError; None when `exc` is none of
    these. Each SDK names its own types."""
    blocked = blocked_cause(exc)
    if blocked is not None:  # not retried: the address will not become public
        return UpstreamError(ErrorKind.bad_request, blocked.message, provider=provider)
    if isinstance(exc, timeout):
        return UpstreamError(ErrorKind.timeout, "The provider timed out", provider=provider)
    if isinstance(exc, connection):
        return UpstreamError(
            ErrorKind.connection, "The connection to the provider failed", provider=provider
        )
    if isinstance(exc, malformed):
        return UpstreamError(
            ErrorKind.malformed, "The provider sent a malformed response", provider=provider
        )
    return None


def scrub(message: str, creds: Credentials | None = None) -> str:
    """Remove anything credential-like from a provider's error text."""
    if creds is not None and creds.api_key:
        message = message.replace(creds.api_key, "[redacted]")
    return _SECRET_SHAPES.sub("[redacted]", message)[:500]


def base_url_for(creds: Credentials, default: str | None, provider: str) -> str | None:
    """The base URL to call with `creds`. A tenant's key without one never falls back to a
    default on this machine or its network (Ollama's, vLLM's, llama.cpp's): that would
    reach the platform's own servers with the tenant's key."""
    if creds.base_url:
        return creds.base_url
    if creds.source == "tenant" and default is not None and _inside(default):
        raise UpstreamError(
            ErrorKind.bad_request,
            f"A tenant's {provider} key needs its own base URL",
            provider=provider,
        )
    return default


def _inside(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    try:
        return not is_public(str(ipaddress.ip_address(host)))
    except ValueError:
        pass
    # `localhost`, and a name without a dot (a container's or a host's own): this network's.
    # Another name is checked by the guard when connecting.
    return host == "localhost" or host.endswith(".localhost") or "." not in host


class ClientCache(Generic[T]):
    """SDK clients keyed by (base URL, key, guarded), least recently used dropped past
    `size`, so each tenant's BYOK client keeps its connection pool without the cache growing
    forever."""

    def __init__(self, factory: Callable[[Credentials], T], size: int = 256) -> None:
        self._factory = factory
        self._size = size
        self._clients: OrderedDict[tuple[str | None, str | None, bool], T] = OrderedDict()

    def get(self, creds: Credentials) -> T:
        key = (creds.base_url, creds.api_key, creds.guarded)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._factory(creds)
            if len(self._clients) > self._size:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(key)
        return client

    def values(self) -> list[T]:
        return list(self._clients.values())
