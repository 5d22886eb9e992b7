"""Outbound address guard: refuses URLs that point into private, loopback, link-local or
otherwise non-public address space (SSRF), unless explicitly allowed.

Checking a URL when it is stored is not enough: its name can be re-pointed afterwards, and a
client that resolves the name again when it connects can be sent anywhere (DNS rebinding).
So calls made on a tenant's behalf go through `guarded_transport` (httpx) or
`guarded_transport2` (httpx2, under the OpenAI and Anthropic SDKs): they resolve the host,
check every address, and connect to the checked address itself, while TLS and the `Host`
header keep the name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any, cast
from urllib.parse import urlsplit

import httpcore
import httpcore2
import httpx
import httpx2

from atrium.kit.errors import BadRequest


class BlockedAddress(BadRequest):
    code = "blocked_address"


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Local-use NAT64 (RFC 8215): whatever it translates to is a network's own choice.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a transition mechanism reaches through this IPv6 address, if any:
    IPv4-mapped, NAT64, 6to4 or Teredo (the client's address)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(address: str) -> bool:
    """Whether connecting to `address` leaves for the public internet: not loopback, private,
    link-local, multicast, reserved, a cloud metadata address, nor an IPv6 address that
    reaches one of these through a transition mechanism."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        if ip in _IPV4_COMPATIBLE:
            return False  # ::, ::1 and the deprecated IPv4-compatible form: none is used
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return embedded.is_global and not embedded.is_multicast
    # `is_global` leaves out loopback, private, link-local (169.254.169.254, the metadata
    # address, among them), shared (100.64/10), reserved and unspecified ranges.
    return ip.is_global and not ip.is_multicast


async def resolve_public(host: str, port: int, *, field: str = "base_url") -> list[str]:
    """The addresses of `host`, refused unless every one of them is public."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedAddress(f"Cannot resolve host {host!r}", field=field) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses or not all(is_public(a) for a in addresses):
        raise BlockedAddress(
            "This URL points to a private or loopback address, which is not allowed", field=field
        )
    return addresses


async def check_public_url(url: str, *, field: str = "base_url") -> None:
    """Resolve the URL's host and refuse it unless every address it resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress("Only http and https URLs with a host are allowed", field=field)
    await resolve_public(
        parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), field=field
    )


class _GuardedBackend:
    """A network backend of httpcore (or httpcore2) that connects only to public addresses:
    the one it checked, never a second lookup's answer. TLS still names the host."""

    def __init__(self, inner: Any, field: str) -> None:
        self._inner = inner
        self._field = field

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> Any:
        addresses = await resolve_public(host, port, field=self._field)
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(self, path: str, **_: Any) -> Any:
        raise BlockedAddress("Unix sockets are not allowed", field=self._field)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, field: str) -> None:
        super().__init__(trust_env=False)
        # Replaces the pool httpx built (still unused, so nothing to close): the same pool with
        # a network backend that checks what it connects to. No proxy: the connection must go
        # to the address that was checked.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=cast(
                httpcore.AsyncNetworkBackend, _GuardedBackend(httpcore.AnyIOBackend(), field)
            ),
        )


class _GuardedTransport2(httpx2.AsyncHTTPTransport):
    def __init__(self, field: str) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=cast(
                httpcore2.AsyncNetworkBackend, _GuardedBackend(httpcore2.AnyIOBackend(), field)
            ),
        )


def guarded_transport(*, field: str = "base_url") -> httpx.AsyncBaseTransport:
    """An httpx transport that connects only to public addresses, checked at connect time."""
    return _GuardedTransport(field)


def guarded_transport2(*, field: str = "base_url") -> httpx2.AsyncBaseTransport:
    """The same for httpx2, the HTTP client of the OpenAI and Anthropic SDKs."""
    return _GuardedTransport2(field)


def blocked_cause(exc: BaseException) -> BlockedAddress | None:
    """The guard's refusal behind an HTTP client's (or an SDK's) error, if that is what it
    was."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, BlockedAddress):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
