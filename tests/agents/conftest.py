"""A database with LangGraph's checkpoint tables and Atrium's checkpointer on it.

By default an embedded PostgreSQL (pgserver) in a temporary dir, stopped at the end. With
ATRIUM_TEST_DATABASE_URL (an owner/superuser URL, as for the whole suite), a fresh database
on that server, dropped at the end.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from atrium.agents.checkpoints import AtriumCheckpointer
from tests.agents.support import open_pool


@contextmanager
def _server() -> Iterator[str]:
    """An admin DSN of the server to make the database on."""
    external = os.environ.get("ATRIUM_TEST_DATABASE_URL")
    if external:
        url = make_url(external).set(drivername="postgresql")
        yield url.render_as_string(hide_password=False)
        return
    import pgserver

    # Not under pytest's basetemp: concurrent pytest sessions rotate those folders away.
    with tempfile.TemporaryDirectory(prefix="atrium-checkpoints-") as folder:
        pg = pgserver.get_server(Path(folder) / "pg", cleanup_mode="stop")  # type: ignore[attr-defined]
        try:
            yield pg.get_uri()
        finally:
            pg.cleanup()


@pytest.fixture(scope="session")
def checkpoint_dsn() -> Iterator[str]:
    """A fresh database holding only LangGraph's checkpoint tables."""
    with _server() as admin_dsn:
        name = f"atrium_checkpoints_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        dsn = make_url(admin_dsn).set(database=name).render_as_string(hide_password=False)
        try:
            with PostgresSaver.from_conn_string(dsn) as saver:
                saver.setup()
            yield dsn
        finally:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session")
async def checkpoint_pool(checkpoint_dsn: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    async with open_pool(checkpoint_dsn) as pool:
        yield pool


@pytest.fixture
async def saver(checkpoint_pool: AsyncConnectionPool[Any]) -> AtriumCheckpointer:
    return AtriumCheckpointer(checkpoint_pool)


@pytest.fixture
def checkpoint_db(checkpoint_dsn: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A plain connection for looking at the tables behind the saver's back."""
    with psycopg.connect(checkpoint_dsn, autocommit=True, row_factory=dict_row) as conn:
        yield conn
