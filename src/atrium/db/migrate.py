"""Apply Alembic migrations as the owner role."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(owner_url: URL, *, app_role: str = "atrium_app") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    config.attributes["owner_url"] = owner_url
    config.attributes["app_role"] = app_role
    return config


def upgrade(owner_url: URL, *, app_role: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(owner_url, app_role=app_role), revision)


def downgrade(owner_url: URL, *, app_role: str, revision: str) -> None:
    command.downgrade(alembic_config(owner_url, app_role=app_role), revision)
