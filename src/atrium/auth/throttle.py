"""Sign-in throttling: failed attempts are counted per account and per client address.

Counting only failures means a user who signs in correctly is never slowed down, while a
password-guessing run against one account (from many addresses) or from one address
(against many accounts) is stopped.
"""

from __future__ import annotations

from atrium.kit.errors import RateLimited
from atrium.kit.runtime import runtime


def _keys(email: str, ip: str | None) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    return ("login", "account", email.lower()), ("login", "ip", ip or "unknown")


async def check(email: str, ip: str | None) -> None:
    rt = runtime()
    account, address = _keys(email, ip)
    waits = [
        await rt.limiter.retry_after(rt.settings.login_rate_per_account, *account),
        await rt.limiter.retry_after(rt.settings.login_rate_per_ip, *address),
    ]
    blocked = [w for w in waits if w is not None]
    if blocked:
        raise RateLimited(
            "Too many failed sign-in attempts; try again later", retry_after=max(blocked)
        )


async def failed(email: str, ip: str | None) -> None:
    rt = runtime()
    account, address = _keys(email, ip)
    await rt.limiter.hit(rt.settings.login_rate_per_account, *account)
    await rt.limiter.hit(rt.settings.login_rate_per_ip, *address)


async def succeeded(email: str) -> None:
    rt = runtime()
    account, _ = _keys(email, None)
    await rt.limiter.clear(rt.settings.login_rate_per_account, *account)
