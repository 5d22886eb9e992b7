"""The embedded PostgreSQL 16 + pgvector that `make run` uses when no URL is configured.

`pgserver` runs the server from its wheel with the data under `ATRIUM_DATA_DIR/pg`, listening
only on a Unix socket. On first start we create the owner role and the `atrium` database it
owns; the migrations create the application role.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from atrium.db.urls import DatabaseUrls
from atrium.settings import Settings

OWNER_ROLE = "atrium_owner"
DATABASE = "atrium"

_server: Any = None


def _socket_url(superuser_uri: str, *, user: str, database: str) -> URL:
    url = make_url(superuser_uri).set(drivername="postgresql+psycopg")
    return url.set(username=user, password=None, database=database)


def start(settings: Settings) -> DatabaseUrls:
    """Start (or attach to) the embedded server and make sure the owner role and DB exist."""
    global _server
    pgdata = (settings.data_dir / "pg").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    # pgserver keeps the server up until the last process that attached to it exits.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path(settings.data_dir).resolve() / "run"))
    # A runtime folder must be private (0700), or platformdirs warns and picks another.
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    import pgserver  # after XDG_RUNTIME_DIR: it picks its runtime folder at import

    if _server is None:
        _server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    superuser_uri: str = _server.get_uri("postgres")
    _bootstrap(superuser_uri)
    app_user = settings.database_app_user
    return DatabaseUrls(
        owner=_socket_url(superuser_uri, user=OWNER_ROLE, database=DATABASE),
        app=_socket_url(superuser_uri, user=app_user, database=DATABASE),
    )


def _bootstrap(superuser_uri: str) -> None:
    with psycopg.connect(superuser_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER CREATEROLE NOBYPASSRLS").format(
                    sql.Identifier(OWNER_ROLE)
                )
            )
        db = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not db:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
                )
            )
    # Extensions need a superuser; create them here so the owner's migrations can use them.
    db_uri = make_url(superuser_uri).set(database=DATABASE).render_as_string(hide_password=False)
    with psycopg.connect(db_uri, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")


def stop() -> None:
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None
