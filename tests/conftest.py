"""Session fixtures: PostgreSQL built by the migrations, a live Atrium server, an SMTP server
and an OIDC provider stub, all on loopback. The in-process tier's fixtures (the same app in
this process, on the same database) come from `tests.inprocess`.

By default the server uses the embedded PostgreSQL (pgserver) in a temporary data dir, stopped
when the session ends. With ATRIUM_TEST_DATABASE_URL (an owner/superuser URL), a fresh
database is created on that server for the run and dropped afterwards.
"""

from __future__ import annotations

import json
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
from tests.providers.fakes import FakeProvider, ProviderKind
from tests.support import (
    Api,
    AtriumProcess,
    EmbeddedPostgres,
    Mailbox,
    atrium_env,
    close_clients,
    free_port,
    platform_admin_of,
)
from tests.tools.web import WebServer

pytest_plugins = ["tests.inprocess"]


@pytest.fixture(scope="session", autouse=True)
def _close_http_clients() -> Iterator[None]:
    yield
    close_clients()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def oidc() -> Iterator[OidcStub]:
    stub = OidcStub()
    stub.start()
    yield stub
    stub.stop()


# Platform keys of the fake providers. Canaries: they must never leave the server.
PLATFORM_KEYS = {
    "openai": "sk-platform-canary-openai-0123456789abcdef",
    "anthropic": "sk-ant-platform-canary-0123456789abcdef",
    "gemini": "AIzaPlatformCanaryGemini0123456789",
}


@pytest.fixture(scope="session")
def fakes() -> Iterator[dict[str, FakeProvider]]:
    started: dict[str, FakeProvider] = {}
    kinds: tuple[ProviderKind, ...] = ("openai", "anthropic", "gemini")
    for kind in kinds:
        fake = FakeProvider(kind)
        fake.start()
        started[kind] = fake
    yield started
    for fake in started.values():
        fake.stop()


@pytest.fixture(scope="session")
def searxng() -> Iterator[WebServer]:
    """A local server that answers SearXNG's JSON format: the live server's web search."""
    with WebServer() as web:
        yield web


@pytest.fixture(scope="session")
def models_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "models.json"
    path.write_text(
        json.dumps(
            {
                "aliases": {"smart": "openai/gpt-4o"},
                "fallbacks": {"openai/gpt-4o": ["anthropic/claude-haiku-4-5"]},
                "prices": {
                    "openai/gpt-4o-mini": {"input": 0.15, "output": 0.6, "context_window": 128000}
                },
            }
        )
    )
    return path


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Where the server's database lives: env settings for the server plus an owner DSN."""
    external = os.environ.get("ATRIUM_TEST_DATABASE_URL")
    data_dir = tmp_path_factory.mktemp("atrium-data")
    if not external:
        yield {"ATRIUM_DATA_DIR": str(data_dir)}
        # Every process that used it has stopped by now (the fixtures that start them depend
        # on this one), but one that was killed still counts as attached for pgserver.
        EmbeddedPostgres(data_dir).stop()
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
    fakes: dict[str, FakeProvider],
    models_file: Path,
    searxng: WebServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AtriumProcess]:
    port = free_port()
    env = atrium_env(
        **database,
        ATRIUM_PORT=str(port),
        ATRIUM_LOG_LEVEL="debug",
        ATRIUM_SMTP_HOST="127.0.0.1",
        ATRIUM_SMTP_PORT=str(mailbox.port),
        ATRIUM_SMTP_SECURITY="none",
        ATRIUM_GOOGLE_CLIENT_ID=CLIENT_ID,
        ATRIUM_GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        ATRIUM_GOOGLE_DISCOVERY_URL=oidc.discovery_url,
        ATRIUM_LOGIN_RATE_PER_ACCOUNT="5/minute",
        ATRIUM_LOGIN_RATE_PER_IP="20/minute",
        ATRIUM_OPENAI_API_KEY=PLATFORM_KEYS["openai"],
        ATRIUM_OPENAI_BASE_URL=fakes["openai"].base_url,
        ATRIUM_ANTHROPIC_API_KEY=PLATFORM_KEYS["anthropic"],
        ATRIUM_ANTHROPIC_BASE_URL=fakes["anthropic"].base_url,
        ATRIUM_GEMINI_API_KEY=PLATFORM_KEYS["gemini"],
        ATRIUM_GEMINI_BASE_URL=fakes["gemini"].base_url,
        ATRIUM_SCRIPTED_MODELS="true",
        ATRIUM_MODELS_FILE=str(models_file),
        ATRIUM_PROVIDER_TIMEOUT_SECONDS="2",
        ATRIUM_PROVIDER_MAX_RETRIES="2",
        ATRIUM_PROVIDER_MAX_RETRY_WAIT_SECONDS="2",
        ATRIUM_PROVIDER_COOLDOWN_FAILURES="3",
        ATRIUM_PROVIDER_COOLDOWN_SECONDS="3",
        ATRIUM_USAGE_FLUSH_SECONDS="0.2",
        ATRIUM_CHECKPOINT_HISTORY="8",
        ATRIUM_SEARXNG_URL=searxng.url,
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
    # Read from the server's pid file: attaching through pgserver would make this process
    # one of the server's holders, and the server would outlive the session.
    return EmbeddedPostgres(Path(server.env["ATRIUM_DATA_DIR"])).uri("atrium")


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


@pytest.fixture(scope="session")
def platform_admin(server: AtriumProcess) -> Api:
    """A signed-in platform administrator, created with the real CLI."""
    return platform_admin_of(server.url)
