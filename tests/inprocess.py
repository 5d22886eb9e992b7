"""The in-process tier: Atrium's ASGI app started in the test process (its lifespan, on the
live server's database) and reached through httpx's ASGI transport.

No subprocess and no socket per request, so service and permission rules get many small tests
here; flows with real clients across processes stay with the live server. The app runs without
its own workers (queued runs are executed by the live server's) and signs with the live
server's secret key (the same data dir), so tokens work in both tiers.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx
import pytest
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy.engine import make_url

from atrium.db.embedded import OWNER_ROLE
from atrium.db.urls import DatabaseUrls
from atrium.settings import Settings
from tests.support import AtriumProcess, Mailbox, link_token, unique_email

if TYPE_CHECKING:
    from fastapi import FastAPI

APP_URL = "http://atrium.test"
PASSWORD = "correct horse 1"


class _GivenSettings(Settings):
    """Settings from the arguments alone: this process's own ATRIUM_* variables stay out."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def settings_of(env: dict[str, str], **overrides: Any) -> Settings:
    """The settings of an `atrium serve` started with environment `env`, then `overrides`."""
    values: dict[str, Any] = {
        name.removeprefix("ATRIUM_").lower(): value
        for name, value in env.items()
        if name.startswith("ATRIUM_")
    }
    return _GivenSettings(**{**values, **overrides})


@contextlib.asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app's lifespan around the block, run in a task of its own as a server runs it: a
    session fixture's setup and teardown may run in different tasks, startup and shutdown
    must not."""
    up, down = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.router.lifespan_context(app):
            up.set()
            await down.wait()

    task = asyncio.create_task(lifespan(), name="atrium-lifespan")
    ready = asyncio.create_task(up.wait())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if not up.is_set():
        ready.cancel()
        await task  # raises what stopped the startup
    try:
        yield app
    finally:
        down.set()
        await task


@dataclass
class Principal:
    """A signed-in user in one tenant, with an HTTP client that carries their access token."""

    email: str
    password: str
    user_id: str
    tenant_id: str
    role: str
    tokens: dict[str, Any]
    http: httpx.AsyncClient


@dataclass
class Team:
    """One tenant on the Premium plan with a person in each role (and a second member)."""

    owner: Principal
    admin: Principal
    member: Principal
    other_member: Principal


class Accounts:
    """Users, tenants, members and API keys, made through the in-process app's own API."""

    def __init__(self, app: FastAPI, mailbox: Mailbox) -> None:
        # A failing request answers 500 here as it would over a socket, instead of raising.
        self._app = app
        self._transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._mailbox = mailbox
        self._clients: list[httpx.AsyncClient] = []
        self._founder: Principal | None = None
        self._platform_admin: Principal | None = None

    def client(
        self, credential: str | None = None, *, header: Literal["bearer", "x-api-key"] = "bearer"
    ) -> httpx.AsyncClient:
        """A client of the app, anonymous or presenting `credential` (closed with the tier)."""
        headers = {}
        if credential is not None:
            headers = (
                {"Authorization": f"Bearer {credential}"}
                if header == "bearer"
                else {"x-api-key": credential}
            )
        client = httpx.AsyncClient(transport=self._transport, base_url=APP_URL, headers=headers)
        self._clients.append(client)
        return client

    async def register(
        self,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        full_name: str = "Test User",
        **extra: Any,
    ) -> Principal:
        """A new user; without an invitation, the owner of a new tenant on the Basic plan."""
        email = email or unique_email()
        anonymous = self.client()
        r = await anonymous.post(
            "/auth/register",
            json={"email": email, "password": password, "full_name": full_name, **extra},
        )
        assert r.status_code == 201, r.text
        return await self._principal(email, password, r.json())

    async def tenant(self) -> Principal:
        """The owner of a new tenant on the Basic plan, much faster than `register`: one user
        founds every such tenant, so no password is hashed. Tests of a user's own profile or
        memberships, and strangers in isolation tests, want `register` instead."""
        if self._founder is None:
            self._founder = await self.register(full_name="Founder")
        founder = self._founder
        made = await founder.http.post("/tenants", json={"name": "Test tenant"})
        assert made.status_code == 201, made.text
        r = await founder.http.post("/auth/switch-tenant", json={"tenant_id": made.json()["id"]})
        assert r.status_code == 200, r.text
        tokens = r.json()
        return Principal(
            email=founder.email,
            password=founder.password,
            user_id=founder.user_id,
            tenant_id=tokens["tenant_id"],
            role=tokens["role"],
            tokens=tokens,
            http=self.client(tokens["access_token"]),
        )

    async def sign_in(self, email: str, password: str = PASSWORD, **extra: Any) -> Principal:
        r = await self.client().post(
            "/auth/login", json={"email": email, "password": password, **extra}
        )
        assert r.status_code == 200, r.text
        return await self._principal(email, password, r.json())

    async def _principal(self, email: str, password: str, tokens: dict[str, Any]) -> Principal:
        http = self.client(tokens["access_token"])
        me = await http.get("/auth/me")
        assert me.status_code == 200, me.text
        return Principal(
            email=email,
            password=password,
            user_id=me.json()["user"]["id"],
            tenant_id=tokens["tenant_id"],
            role=tokens["role"],
            tokens=tokens,
            http=http,
        )

    async def join(self, inviter: Principal, *, role: str = "member") -> Principal:
        """A new user who joined `inviter`'s tenant with `role` through an e-mailed invitation."""
        email = unique_email("invitee")
        r = await inviter.http.post("/tenants/current/members", json={"email": email, "role": role})
        assert r.status_code == 201, r.text
        message = await self._mailbox.receive(email, subject="invited")
        joined = await self.register(
            email=email, invitation_token=link_token(message, "/invitations/accept")
        )
        assert (joined.tenant_id, joined.role) == (inviter.tenant_id, role)
        return joined

    async def api_key(self, principal: Principal, *, role: str = "member") -> str:
        r = await principal.http.post("/api-keys", json={"name": "tests", "role": role})
        assert r.status_code == 201, r.text
        return str(r.json()["key"])

    async def platform_admin(self) -> Principal:
        """A platform administrator (one per session), promoted as `atrium admin
        create-platform-admin` promotes an existing user."""
        if self._platform_admin is None:
            from atrium.users.service import user_service

            person = await self.register(full_name="Platform admin")
            async with self._app.state.runtime.db.transaction() as session:
                user = await user_service.get(session=session, user_id=uuid.UUID(person.user_id))
                user.is_platform_admin = True
            self._platform_admin = await self.sign_in(person.email)
        return self._platform_admin

    async def set_plan(self, principal: Principal, plan_id: str) -> Principal:
        """Move the principal's tenant to `plan_id` as a platform administrator does."""
        admin = await self.platform_admin()
        r = await admin.http.patch(
            f"/admin/tenants/{principal.tenant_id}", json={"plan_id": plan_id}
        )
        assert r.status_code == 200 and r.json()["plan_id"] == plan_id, r.text
        return principal

    async def premium(self, principal: Principal) -> Principal:
        """Move the principal's tenant to Premium (every model allowed). Without Stripe an
        owner cannot buy a paid plan (issue 9), so a platform administrator does it."""
        return await self.set_plan(principal, "premium")

    async def gold(self, principal: Principal) -> Principal:
        """Move the principal's tenant to Gold (every feature, BYOK included)."""
        return await self.set_plan(principal, "gold")

    async def team(self) -> Team:
        owner = await self.premium(await self.tenant())  # room for every member
        return Team(
            owner,
            await self.join(owner, role="admin"),
            await self.join(owner),
            await self.join(owner),
        )

    async def aclose(self) -> None:
        while self._clients:
            await self._clients.pop().aclose()


def assert_error(r: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    """`r` is an error in the platform API's one shape, with this status, code and field."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    if field is not None:
        assert body["error"].get("field") == field, body


@pytest.fixture(scope="session")
def database_urls(server: AtriumProcess, owner_dsn: str, app_dsn: str) -> DatabaseUrls:
    """The live server's database, as its owner role and as the application role."""
    owner = make_url(owner_dsn).set(drivername="postgresql+psycopg")
    if "ATRIUM_DATABASE_URL" not in server.env:
        owner = owner.set(username=OWNER_ROLE)  # owner_dsn is the embedded superuser
    return DatabaseUrls(owner=owner, app=make_url(app_dsn).set(drivername="postgresql+psycopg"))


@pytest.fixture(scope="session")
async def atrium_app(server: AtriumProcess, database_urls: DatabaseUrls) -> AsyncIterator[FastAPI]:
    """Atrium in this process for the session, configured as the live server is."""
    # Imported here, not at the top: a run of live-server tests only need not pay for it.
    from atrium.app import create_app
    from atrium.kit import logging as atrium_logging

    # Plain-text tracebacks: structlog's default renders each one richly, with every local,
    # which takes seconds.
    atrium_logging.configure(level="info", fmt="console")
    # Access tokens for an hour, not 15 minutes: the founder and the module teams keep theirs
    # for as long as a slow session lasts.
    settings = settings_of(server.env, workers_in_process=False, access_token_ttl_seconds=3600)
    app = create_app(settings, database_urls)
    async with started(app):
        yield app


@pytest.fixture(scope="session")
async def accounts(atrium_app: FastAPI, mailbox: Mailbox) -> AsyncIterator[Accounts]:
    made = Accounts(atrium_app, mailbox)
    yield made
    await made.aclose()


@pytest.fixture(scope="session")
def app_client(accounts: Accounts) -> httpx.AsyncClient:
    """An anonymous client of the in-process app."""
    return accounts.client()


@pytest.fixture
async def owner(accounts: Accounts) -> Principal:
    """The owner of a new tenant on the Basic plan (see `Accounts.tenant`)."""
    return await accounts.tenant()


@pytest.fixture(scope="module")
async def team(accounts: Accounts) -> Team:
    """A Premium tenant with an owner, an admin and two members, shared by a module's tests."""
    return await accounts.team()
