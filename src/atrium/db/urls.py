"""Where the database is, and as which role each part of Atrium connects.

Two roles: the owner role runs migrations and owns every object; the application role owns
nothing and has neither SUPERUSER nor BYPASSRLS, so row-level security always applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

from atrium.settings import Settings


@dataclass(frozen=True)
class DatabaseUrls:
    owner: URL
    app: URL


def _driver(url: URL) -> URL:
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return url.set(drivername="postgresql+psycopg")
    return url


def external_urls(settings: Settings) -> DatabaseUrls:
    assert settings.database_url is not None
    owner = _driver(make_url(settings.database_url.get_secret_value()))
    if settings.database_app_url is not None:
        app = _driver(make_url(settings.database_app_url.get_secret_value()))
    else:
        password = settings.database_app_password
        app = owner.set(
            username=settings.database_app_user,
            password=password.get_secret_value() if password else None,
        )
    return DatabaseUrls(owner=owner, app=app)
