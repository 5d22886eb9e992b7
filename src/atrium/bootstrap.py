"""Start-up steps shared by the CLI commands: locate the database and migrate it."""

from __future__ import annotations

import psycopg
from psycopg import sql

from atrium.db import embedded, libraries, migrate
from atrium.db.urls import DatabaseUrls, external_urls
from atrium.settings import Settings


def database_urls(settings: Settings) -> DatabaseUrls:
    """The external database when configured, else the embedded one (started on demand)."""
    if settings.embedded_database:
        return embedded.start(settings)
    return external_urls(settings)


def run_migrations(settings: Settings, urls: DatabaseUrls) -> None:
    migrate.upgrade(urls.owner, app_role=settings.database_app_user)
    libraries.apply(
        urls.owner.set(drivername="postgresql").render_as_string(hide_password=False),
        settings.database_app_user,
    )
    password = settings.database_app_password
    if password is not None and settings.database_app_url is None:
        owner = urls.owner.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(settings.database_app_user),
                    sql.Literal(password.get_secret_value()),
                )
            )
