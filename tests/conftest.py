"""Session fixtures: PostgreSQL built by the migrations, a live Atrium server, an SMTP server
and an OIDC provider stub, all on loopback.

By default the server uses the embedded PostgreSQL (pgserver) in a temporary data dir.
With ATRIUM_TEST_DATABASE_URL (an owner/superuser URL), a fresh database is created on that
server for the run and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.oidc_stub import CLIENT_ID, CLIENT_SECRET, OidcStub
from tests.support import AtriumProcess, Mailbox, atrium_env, close_clients, free_port


@pytest.fixture(scope="session", autouse=True)
def _close_http_clients() -> Iterator[None]:
    yield
    close_clients()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def oidc() -> Iterator[OidcStub]:
    stub = OidcStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Where the server's database lives: env settings for the server plus an owner DSN."""
    external = os.environ.get("ATRIUM_TEST_DATABASE_URL")
    data_dir = tmp_path_factory.mktemp("atrium-data")
    if not external:
        yield {"ATRIUM_DATA_DIR": str(data_dir)}
        return
    name = f"atrium_test_{uuid.uuid4().hex[:8]}"
    admin = make_url(external).set(drivername="postgresql")
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = admin.set(database=name).render_as_string(hide_password=False)
    yield {
        "ATRIUM_DATA_DIR": str(data_dir),
        "ATRIUM_DATABASE_URL": url,
        "ATRIUM_DATABASE_APP_PASSWORD": "app-test-password",
    }
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def server(
    database: dict[str, str],
    mailbox: Mailbox,
    oidc: OidcStub,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AtriumProcess]:
    port = free_port()
    env = atrium_env(
        **database,
        ATRIUM_PORT=str(port),
        ATRIUM_LOG_LEVEL="debug",
        ATRIUM_SMTP_HOST="127.0.0.1",
        ATRIUM_SMTP_PORT=str(mailbox.port),  # type: ignore[attr-defined]
        ATRIUM_SMTP_SECURITY="none",
        ATRIUM_GOOGLE_CLIENT_ID=CLIENT_ID,
        ATRIUM_GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        ATRIUM_GOOGLE_DISCOVERY_URL=oidc.discovery_url,
        ATRIUM_LOGIN_RATE_PER_ACCOUNT="5/minute",
        ATRIUM_LOGIN_RATE_PER_IP="20/minute",
    )
    proc = AtriumProcess(
        env=env, log_path=tmp_path_factory.mktemp("logs") / "atrium.log", port=port
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def base_url(server: AtriumProcess) -> str:
    return server.url


@pytest.fixture(scope="session")
def owner_dsn(server: AtriumProcess) -> str:
    """A DSN for the database superuser/owner, for catalog checks and raw SQL in tests."""
    if "ATRIUM_DATABASE_URL" in server.env:
        return (
            make_url(server.env["ATRIUM_DATABASE_URL"])
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
    import pgserver

    pg = pgserver.get_server(
        Path(server.env["ATRIUM_DATA_DIR"]).resolve() / "pg", cleanup_mode=None
    )
    return str(make_url(pg.get_uri("atrium")).render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def app_dsn(server: AtriumProcess, owner_dsn: str) -> str:
    """A DSN for the application role (no superuser, no BYPASSRLS)."""
    url = make_url(owner_dsn).set(username="atrium_app")
    if "ATRIUM_DATABASE_APP_PASSWORD" in server.env:
        url = url.set(password=server.env["ATRIUM_DATABASE_APP_PASSWORD"])
    else:
        url = url.set(password=None)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def db(owner_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        yield conn
