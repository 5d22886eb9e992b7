"""Outbound HTTP on a tenant's behalf (fetch tool, URL ingestion, web search, MCP over HTTP),
all through one guard.

Every connection goes to an address that was resolved and checked at connect time
(`netguard`), so a name re-pointed at a private address is refused; every redirect is a new
request that passes the same checks (scheme, the tenant's allowlist, the address); time,
body size and the number of redirects are capped. A tenant whose platform administrator
allowed private addresses (`tenants.allow_private_provider_urls`) skips only the address
check, never the caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from atrium.kit.errors import AtriumError, BadRequest
from atrium.kit.netguard import BlockedAddress, blocked_cause, guarded_transport


class OutboundRefused(BadRequest):
    """The URL may not be reached: its scheme, its host (not on the allowlist) or its
    address (private, loopback, ...)."""

    code = "outbound_refused"


class OutboundFailed(AtriumError):
    """The remote end was reached but did not give a usable answer: a timeout, an error
    status, a body over the cap, too many redirects."""

    status_code = 422
    code = "outbound_failed"


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """What a tenant's outbound calls may reach and how much they may take."""

    allow_private: bool = False
    # Host names a tenant's calls are limited to ("example.com" also admits its subdomains);
    # empty: any public host.
    allowlist: tuple[str, ...] = ()
    timeout_seconds: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes


def host_allowed(host: str, allowlist: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for entry in allowlist:
        entry = entry.lower().strip().rstrip(".").lstrip("*.")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return not allowlist


def check_url(url: str | httpx.URL, policy: OutboundPolicy, *, field: str = "url") -> None:
    """Refuse a URL that is not http(s) with a host, or whose host is off the allowlist.
    (Its addresses are checked when connecting.)"""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("Only http and https URLs with a host are allowed", field=field)
    if parts.username or parts.password:
        raise OutboundRefused("URLs with credentials in them are not allowed", field=field)
    if not host_allowed(parts.hostname, policy.allowlist):
        raise OutboundRefused(
            f"The host {parts.hostname!r} is not on this organisation's allowlist", field=field
        )


def outbound_client(
    policy: OutboundPolicy, *, field: str = "url", headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    """An httpx client bound to the policy: checked addresses, checked redirects (none
    followed when `max_redirects` is 0), capped time. The caller caps the body (see `fetch`)
    and closes the client."""

    async def check_request(request: httpx.Request) -> None:
        check_url(request.url, policy, field=field)

    return httpx.AsyncClient(
        transport=None if policy.allow_private else guarded_transport(field=field),
        trust_env=False,
        # Capped at none: a redirect is answered as it is, never followed.
        follow_redirects=policy.max_redirects > 0,
        max_redirects=policy.max_redirects,
        timeout=httpx.Timeout(policy.timeout_seconds),
        event_hooks={"request": [check_request]},
        headers={"User-Agent": "Atrium/0.1 (+https://github.com/atrium)", **(headers or {})},
    )


async def fetch(
    url: str,
    policy: OutboundPolicy,
    *,
    field: str = "url",
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Fetched:
    """GET a URL under the policy. Refusals raise `OutboundRefused` (400); a remote end that
    fails, answers an error status or sends more than `max_bytes` raises `OutboundFailed`."""
    check_url(url, policy, field=field)
    try:
        async with (
            outbound_client(policy, field=field, headers=headers) as client,
            client.stream("GET", url, params=params) as response,
        ):
            if response.is_redirect:  # not followed: the policy allows no redirect
                raise OutboundFailed(f"More than {policy.max_redirects} redirects", field=field)
            if response.status_code >= 400:
                raise OutboundFailed(
                    f"The server answered HTTP {response.status_code}", field=field
                )
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
                raise OutboundFailed(_too_large(policy), field=field)
            body = bytearray()
            async for piece in response.aiter_bytes():
                body += piece
                if len(body) > policy.max_bytes:
                    raise OutboundFailed(_too_large(policy), field=field)
            return Fetched(
                url=str(response.url),
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                body=bytes(body),
            )
    except httpx.TooManyRedirects as exc:
        raise OutboundFailed(f"More than {policy.max_redirects} redirects", field=field) from exc
    except httpx.TimeoutException as exc:
        raise OutboundFailed(
            f"No answer within {policy.timeout_seconds:g} seconds", field=field
        ) from exc
    except httpx.HTTPError as exc:
        blocked = blocked_cause(exc)
        if blocked is not None:
            raise OutboundRefused(blocked.message, field=field) from exc
        raise OutboundFailed(f"The request failed: {type(exc).__name__}", field=field) from exc
    except BlockedAddress as exc:
        raise OutboundRefused(exc.message, field=field) from exc


def _too_large(policy: OutboundPolicy) -> str:
    return f"The response is larger than {policy.max_bytes} bytes"
