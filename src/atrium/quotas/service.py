"""Requests and tokens per minute: the plan's, narrowed per API key and per member.

Every window lives in the rate limiter (`kit.ratelimit`), in Redis when configured, so all
API processes count against one allowance. A tenant's window holds the plan's limit; a key
or member with a narrower limit also has a window of its own, so one program cannot spend
its colleagues' allowance. The gateway and the runs API admit their requests here.

Tokens are counted after a call (its real usage) and refuse the next call once the
minute's tokens are spent: the worst case is one call's tokens past the limit, where the
monthly budgets (reserved before the call) cannot be passed at all.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.api_keys.service import ApiKeyService
from atrium.auth.context import AuthContext
from atrium.kit.db import Database
from atrium.kit.ratelimit import RateLimiter, Window
from atrium.quotas.errors import LimitReached
from atrium.quotas.metrics import LimitName
from atrium.tenants.limits import LimitOverrides, PlanLimits
from atrium.tenants.service import TenantService

# The request state key under which an admitted request's headers wait for the response.
HEADERS_STATE = "ratelimit_headers"


@dataclass(frozen=True, slots=True)
class _Overrides:
    key: LimitOverrides | None
    member: LimitOverrides | None


@dataclass(frozen=True, slots=True)
class _Scope:
    """One window's owner: the tenant, or one of its keys or members."""

    rate: str
    key: tuple[str, ...]
    who: str  # in messages: "Your plan", "This API key", "This member"


@dataclass(frozen=True, slots=True)
class Allowance:
    """An admitted request: the limits that apply and the windows' state, as headers."""

    limits: PlanLimits
    headers: dict[str, str]


def reset_text(seconds: float) -> str:
    """A duration as OpenAI writes its reset headers: `1s`, `6m0s`."""
    whole = max(0, math.ceil(seconds))
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


class QuotaService:
    """Admits requests against the requests and tokens per minute that apply to the caller,
    and counts the tokens a call used.

    Holds each principal's overrides for a few seconds (dropped at once in this process
    when the tenant changes, `forget_tenant`), so a busy key costs no database round trip.
    """

    def __init__(
        self,
        *,
        db: Database,
        limiter: RateLimiter,
        tenant_service: TenantService,
        api_key_service: ApiKeyService,
        ttl_seconds: float = 5.0,
        size: int = 10_000,
    ) -> None:
        self._db = db
        self._limiter = limiter
        self._tenants = tenant_service
        self._api_keys = api_key_service
        self._ttl = ttl_seconds
        self._size = size
        self._overrides: dict[
            tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None], tuple[float, _Overrides]
        ] = {}

    def forget_tenant(self, tenant_id: uuid.UUID) -> None:
        """Drop a tenant's cached overrides (a key's or a member's limits changed)."""
        for entry in [k for k in self._overrides if k[0] == tenant_id]:
            del self._overrides[entry]

    async def _principal_overrides(
        self, auth: AuthContext, session: AsyncSession | None = None
    ) -> _Overrides:
        entry_key = (auth.tenant_id, auth.api_key_id, auth.user_id)
        cached = self._overrides.get(entry_key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        if auth.api_key_id is None and auth.user_id is None:
            found = _Overrides(key=None, member=None)
        elif session is not None:
            found = await self._read_overrides(session, auth)
        else:
            async with self._db.transaction(tenant_id=auth.tenant_id) as own:
                found = await self._read_overrides(own, auth)
        if len(self._overrides) >= self._size:
            self._overrides.clear()  # a crude bound; entries are cheap to read again
        self._overrides[entry_key] = (time.monotonic() + self._ttl, found)
        return found

    async def _read_overrides(self, session: AsyncSession, auth: AuthContext) -> _Overrides:
        key = member = None
        if auth.api_key_id is not None:
            key = await self._api_keys.overrides(
                session=session, tenant_id=auth.tenant_id, key_id=auth.api_key_id
            )
        if auth.user_id is not None:
            member = await self._tenants.member_overrides(
                session=session, tenant_id=auth.tenant_id, user_id=auth.user_id
            )
        return _Overrides(key=key, member=member)

    async def limits_for(self, auth: AuthContext) -> PlanLimits:
        """The limits that apply to this caller: the plan's, narrowed by their key's and
        their membership's."""
        plan = await self._tenants.plan_limits(auth.plan_id)
        overrides = await self._principal_overrides(auth)
        return plan.narrowed(overrides.key, overrides.member)

    def _scopes(
        self, auth: AuthContext, plan: PlanLimits, overrides: _Overrides, field: str, unit: str
    ) -> list[_Scope]:
        """The windows of one limit (`requests_per_minute` or `tokens_per_minute`) that
        apply to the caller, narrowest first."""
        tenant = str(auth.tenant_id)
        plan_value: int | None = getattr(plan, field)
        scopes = []
        key_value = getattr(overrides.key, field) if overrides.key else None
        if key_value is not None and auth.api_key_id is not None:
            value = key_value if plan_value is None else min(key_value, plan_value)
            scopes.append(
                _Scope(
                    f"{value}/minute", (f"{unit}-key", tenant, str(auth.api_key_id)), "This API key"
                )
            )
        member_value = getattr(overrides.member, field) if overrides.member else None
        if member_value is not None and auth.user_id is not None:
            value = member_value if plan_value is None else min(member_value, plan_value)
            scopes.append(
                _Scope(
                    f"{value}/minute", (f"{unit}-user", tenant, str(auth.user_id)), "This member"
                )
            )
        if plan_value is not None:
            scopes.append(_Scope(f"{plan_value}/minute", (unit, tenant), "Your plan"))
        scopes.sort(key=lambda s: int(s.rate.partition("/")[0]))
        return scopes

    async def admit(
        self, auth: AuthContext, *, requests: int = 1, session: AsyncSession | None = None
    ) -> Allowance:
        """Spend `requests` of the caller's requests per minute, or refuse with 429 (naming
        the limit) when they are spent or the minute's tokens are. A caller that holds a
        request transaction passes it as `session`, so the overrides are read there rather
        than on a second pooled connection."""
        plan = await self._tenants.plan_limits(auth.plan_id)
        overrides = await self._principal_overrides(auth, session)
        limits = plan.narrowed(overrides.key, overrides.member)
        headers: dict[str, str] = {}
        limiter = self._limiter

        tightest_tokens: Window | None = None
        for scope in self._scopes(auth, plan, overrides, "tokens_per_minute", "tpm"):
            window = await limiter.meter_left(scope.rate, *scope.key)
            if tightest_tokens is None or window.remaining < tightest_tokens.remaining:
                tightest_tokens = window
            if window.remaining <= 0:
                headers.update(_token_headers(window))
                raise LimitReached(
                    LimitName.tokens_per_minute,
                    f"{scope.who} allows {window.limit} tokens per minute; "
                    f"they are spent for this minute",
                    retry_after=window.reset_seconds,
                    headers=headers,
                )
        if tightest_tokens is not None:
            headers.update(_token_headers(tightest_tokens))

        request_scopes = self._scopes(auth, plan, overrides, "requests_per_minute", "rpm")
        for scope in request_scopes:
            if not await limiter.hit(scope.rate, *scope.key, cost=requests):
                window = await limiter.window(scope.rate, *scope.key)
                headers.update(_request_headers(window))
                what = "request" if requests == 1 else f"{requests} requests"
                raise LimitReached(
                    LimitName.requests_per_minute,
                    f"{scope.who} allows {window.limit} requests per minute; "
                    f"{window.remaining} left for this minute, not enough for this {what}",
                    retry_after=window.reset_seconds,
                    headers=headers,
                )
        if request_scopes:
            tightest = request_scopes[0]
            headers.update(_request_headers(await limiter.window(tightest.rate, *tightest.key)))
        return Allowance(limits=limits, headers=headers)

    async def spend_tokens(self, auth: AuthContext, tokens: int) -> None:
        """Count the tokens a call used on every tokens-per-minute window of the caller."""
        if tokens <= 0:
            return
        plan = await self._tenants.plan_limits(auth.plan_id)
        overrides = await self._principal_overrides(auth)
        for scope in self._scopes(auth, plan, overrides, "tokens_per_minute", "tpm"):
            await self._limiter.meter_add(scope.rate, *scope.key, amount=tokens)


def _request_headers(window: Window) -> dict[str, str]:
    return {
        "x-ratelimit-limit-requests": str(window.limit),
        "x-ratelimit-remaining-requests": str(window.remaining),
        "x-ratelimit-reset-requests": reset_text(window.reset_seconds),
    }


def _token_headers(window: Window) -> dict[str, str]:
    return {
        "x-ratelimit-limit-tokens": str(window.limit),
        "x-ratelimit-remaining-tokens": str(window.remaining),
        "x-ratelimit-reset-tokens": reset_text(window.reset_seconds),
    }
