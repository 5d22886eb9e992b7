"""Sign-in throttling: failed attempts are counted per account and per client address.

Counting only failures means a user who signs in correctly is never slowed down, while a
password-guessing run against one account (from many addresses) or from one address
(against many accounts) is stopped. The windows are exact (moving): every failure of the
last window counts, wherever the clock's minute boundaries fall.
"""

from __future__ import annotations

from atrium.kit.errors import RateLimited
from atrium.kit.ratelimit import RateLimiter


def _keys(email: str, ip: str | None) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    return ("login", "account", email.lower()), ("login", "ip", ip or "unknown")


class LoginThrottle:
    def __init__(self, *, limiter: RateLimiter, per_account: str, per_ip: str) -> None:
        self._limiter = limiter
        self._per_account = per_account
        self._per_ip = per_ip

    async def check(self, email: str, ip: str | None) -> None:
        account, address = _keys(email, ip)
        waits = [
            await self._limiter.retry_after(self._per_account, *account, exact=True),
            await self._limiter.retry_after(self._per_ip, *address, exact=True),
        ]
        blocked = [w for w in waits if w is not None]
        if blocked:
            raise RateLimited(
                "Too many failed sign-in attempts; try again later", retry_after=max(blocked)
            )

    async def failed(self, email: str, ip: str | None) -> None:
        account, address = _keys(email, ip)
        await self._limiter.hit(self._per_account, *account, exact=True)
        await self._limiter.hit(self._per_ip, *address, exact=True)

    async def succeeded(self, email: str) -> None:
        account, _ = _keys(email, None)
        await self._limiter.clear(self._per_account, *account, exact=True)
