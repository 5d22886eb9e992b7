"""Database engine, sessions and the per-transaction tenant context.

One transaction per request or job: the dependency that opens the session owns commit and
rollback; code inside only flushes. The tenant is set with `set_config(..., true)`, which
lasts until the end of the transaction, so a pooled connection (or pgbouncer in
transaction mode) never carries one tenant's context into another's work.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from atrium.kit.background import BackgroundWork
from atrium.kit.errors import AtriumError

_SET_TENANT = text("SELECT set_config('app.tenant_id', :value, true)")
_SET_USER = text("SELECT set_config('app.user_id', :value, true)")
_SET_PLATFORM_ADMIN = text("SELECT set_config('app.platform_admin', :value, true)")


# How long a request waits for a free connection before it is shed with a 503.
POOL_TIMEOUT_SECONDS = 10.0


AfterCommit = Callable[[], Coroutine[Any, Any, None]]


def after_commit(session: AsyncSession, work: AfterCommit, *, name: str) -> None:
    """Run `work` in the background once this session's transaction has committed.

    Dropped if the transaction rolls back, so no e-mail leaves for a change that never was.
    """
    session.info.setdefault("after_commit", []).append((name, work))


class Database:
    def __init__(self, app_url: URL, *, pool_size: int, background: BackgroundWork) -> None:
        self._background = background
        self.engine: AsyncEngine = create_async_engine(
            app_url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            pool_pre_ping=True,
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(
        self, *, tenant_id: uuid.UUID | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed on success and rolled back on error;
        with `tenant_id`, already scoped to that tenant (row-level security).

        A domain error raised with `commit=True` (e.g. a detected refresh-token reuse, whose
        revocation must stick) commits what was done before it and is then re-raised.
        Work registered with `after_commit` starts only after a successful commit.
        """
        async with self.sessionmaker() as session:
            await session.begin()
            try:
                if tenant_id is not None:
                    await set_tenant(session, tenant_id)
                yield session
            except AtriumError as exc:
                if exc.commit:
                    await session.commit()
                    self._run_after_commit(session)
                else:
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            self._run_after_commit(session)

    async def commit(self, session: AsyncSession) -> None:
        """Commit now (e.g. before waiting for a worker) and start the after-commit work;
        the session opens a new transaction if it is used again."""
        await session.commit()
        self._run_after_commit(session)

    def _run_after_commit(self, session: AsyncSession) -> None:
        for name, work in session.info.pop("after_commit", []):
            self._background.spawn(work(), name=name)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def driver_connection(session: AsyncSession) -> Any:
    """The psycopg connection under this session's transaction, for a library that writes
    in the same transaction (the job queue: a run and its job commit together or not at
    all)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def set_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Scope every following statement of this transaction to one tenant (RLS)."""
    await session.execute(_SET_TENANT, {"value": str(tenant_id)})


async def set_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Let this transaction see the user's own memberships in every tenant."""
    await session.execute(_SET_USER, {"value": str(user_id)})


async def set_platform_admin(session: AsyncSession) -> None:
    """Open the platform-administration read policies for this transaction only."""
    await session.execute(_SET_PLATFORM_ADMIN, {"value": "on"})
