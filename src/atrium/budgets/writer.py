"""How the ledger reaches PostgreSQL on the hot path: each kind of write (reserve, settle)
has one connection of its own and writes in groups."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

import psycopg

T = TypeVar("T")
R = TypeVar("R")


class OwnConnection:
    """The one autocommit connection of a group writer (which has at most one statement in
    flight): no pool checkout, no liveness ping, statements prepared on the server. A
    connection that failed is replaced on the next write."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: psycopg.AsyncConnection[Any] | None = None

    @contextlib.asynccontextmanager
    async def use(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        try:
            yield self._connection
        except psycopg.OperationalError:
            await self.close()
            raise

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


class GroupWriter(Generic[T, R]):
    """Writes items in groups (group commit): an item that arrives while a write is under
    way goes into the next one, so under load many calls share one statement and one pooled
    connection, and an idle process writes each at once. Callers wait for their own item."""

    def __init__(self, write: Callable[[list[T]], Awaitable[list[R]]], name: str) -> None:
        self._write = write
        self._name = name
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self._name)
        return await asyncio.shield(done)

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)

    async def close(self) -> None:
        if self._task is not None:
            await self._task
