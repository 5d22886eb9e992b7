"""Outbound address guard: refuses URLs that point into private, loopback, link-local or
otherwise non-public address space (SSRF), unless explicitly allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from atrium.kit.errors import BadRequest


class BlockedAddress(BadRequest):
    code = "blocked_address"


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_public_url(url: str, *, field: str = "base_url") -> None:
    """Resolve the URL's host and refuse it unless every address it resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress("Only http and https URLs with a host are allowed", field=field)
    host = parts.hostname
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise BlockedAddress(f"Cannot resolve host {host!r}", field=field) from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_is_public(a) for a in addresses):
        raise BlockedAddress(
            "This URL points to a private or loopback address, which is not allowed", field=field
        )
