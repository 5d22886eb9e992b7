"""GatewayService in process: the authentication cache, one lookup per key at a time, and
forgetting a tenant's entries when the tenant changes."""

from __future__ import annotations

import asyncio
import uuid
from typing import cast

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.context import AuthContext
from atrium.auth.service import AuthService
from atrium.gateway.assistants import AssistantModels
from atrium.gateway.service import GatewayService
from atrium.kit.errors import Unauthorized
from atrium.runtime import Runtime
from tests.inprocess import Accounts


class CountingAuth:
    """The runtime's AuthService, counting the lookups that reach it."""

    def __init__(self, auth: AuthService) -> None:
        self._auth = auth
        self.lookups = 0

    async def authenticate(self, *, session: AsyncSession, credential: str) -> AuthContext:
        self.lookups += 1
        await asyncio.sleep(0.05)  # a slow lookup, so a burst arrives while it runs
        return await self._auth.authenticate(session=session, credential=credential)


@pytest.fixture
def rt(atrium_app: FastAPI) -> Runtime:
    runtime: Runtime = atrium_app.state.runtime
    return runtime


def gateway_with(rt: Runtime, auth: CountingAuth) -> GatewayService:
    """A gateway of its own (an empty cache) on the runtime's collaborators."""
    return GatewayService(
        db=rt.db,
        quotas=rt.quota_service,
        providers=rt.providers,
        tenant_service=rt.tenant_service,
        provider_key_service=rt.provider_key_service,
        auth_service=cast(AuthService, auth),
        assistants=AssistantModels(
            db=rt.db,
            run_service=rt.run_service,
            thread_service=rt.thread_service,
            read_run=rt.run_reader.read_run,
        ),
    )


async def test_a_burst_on_an_uncached_key_shares_one_lookup(
    rt: Runtime, accounts: Accounts
) -> None:
    owner = await accounts.register()
    key = await accounts.api_key(owner)
    auth = CountingAuth(rt.auth_service)
    gateway = gateway_with(rt, auth)
    calls = await asyncio.gather(*(gateway.authenticate(key, None) for _ in range(20)))
    assert auth.lookups == 1
    assert {str(c.auth.tenant_id) for c in calls} == {owner.tenant_id}
    assert all(c.caller.tenant_id == c.auth.tenant_id for c in calls)
    await gateway.authenticate(key, None)
    assert auth.lookups == 1  # cached


async def test_a_wrong_key_fails_the_whole_burst_with_one_lookup(rt: Runtime) -> None:
    auth = CountingAuth(rt.auth_service)
    gateway = gateway_with(rt, auth)
    failed = await asyncio.gather(
        *(gateway.authenticate("atr_not_a_key", None) for _ in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(f, Unauthorized) for f in failed)
    assert auth.lookups == 1


async def test_forgetting_a_tenant_drops_only_its_entries(rt: Runtime, accounts: Accounts) -> None:
    first, second = await accounts.register(), await accounts.register()
    first_key, second_key = await accounts.api_key(first), await accounts.api_key(second)
    auth = CountingAuth(rt.auth_service)
    gateway = gateway_with(rt, auth)
    await gateway.authenticate(first_key, None)
    await gateway.authenticate(second_key, None)
    assert auth.lookups == 2
    gateway.forget_tenant(uuid.UUID(first.tenant_id))
    await gateway.authenticate(second_key, None)
    assert auth.lookups == 2
    await gateway.authenticate(first_key, None)
    assert auth.lookups == 3


async def test_the_roots_gateway_forgets_a_tenant_that_changed(
    rt: Runtime, accounts: Accounts
) -> None:
    """The composition root subscribes its gateway to tenant changes: a revoked key stops
    at once, not when its cache entry expires."""
    owner = await accounts.register()
    made = await owner.http.post("/api-keys", json={"name": "short-lived"})
    assert made.status_code == 201, made.text
    await rt.gateway_service.authenticate(made.json()["key"], None)  # now cached
    revoked = await owner.http.delete(f"/api-keys/{made.json()['id']}")
    assert revoked.status_code == 204
    # the announcement runs after the commit, in the background
    for _ in range(50):
        try:
            await rt.gateway_service.authenticate(made.json()["key"], None)
        except Unauthorized:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the revoked key still authenticates")
