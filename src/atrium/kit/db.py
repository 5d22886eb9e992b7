"""Database engine, sessions and the per-transaction tenant context.

One transaction per request or job: the dependency that opens the session owns commit and
rollback; code inside only flushes. The tenant is set with `set_config(..., true)`, which
lasts until the end of the transaction, so a pooled connection (or pgbouncer in
transaction mode) never carries one tenant's context into another's work.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
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

from atrium.kit.errors import AtriumError

_SET_TENANT = text("SELECT set_config('app.tenant_id', :value, true)")
_SET_USER = text("SELECT set_config('app.user_id', :value, true)")
_SET_PLATFORM_ADMIN = text("SELECT set_config('app.platform_admin', :value, true)")


# How long a request waits for a free connection before it is shed with a 503.
POOL_TIMEOUT_SECONDS = 10.0


class Database:
    def __init__(self, app_url: URL, *, pool_size: int) -> None:
        self.engine: AsyncEngine = create_async_engine(
            app_url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            pool_pre_ping=True,
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed on success and rolled back on error.

        A domain error raised with `commit=True` (e.g. a detected refresh-token reuse, whose
        revocation must stick) commits what was done before it and is then re-raised.
        Work registered with `runtime.after_commit` starts only after a successful commit.
        """
        async with self.sessionmaker() as session:
            await session.begin()
            try:
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

    @staticmethod
    def _run_after_commit(session: AsyncSession) -> None:
        pending = session.info.pop("after_commit", [])
        if pending:
            from atrium.kit.runtime import runtime

            for name, work in pending:
                runtime().background.spawn(work(), name=name)

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
