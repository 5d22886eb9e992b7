"""The ORM models describe the tables that the migrations build.

Tables are created by the reviewed SQL migrations, never from the models' metadata, so
nothing but this test notices when the two drift apart. It compares the models with the
database of the test session (migrated by the live server at start-up): every model's
table exists with the same column names, compatible types, the same nullability and the
same primary key; and every table in the public schema has a model, or is owned by a
library and listed in LIBRARY_TABLES.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SAWarning

import atrium
from atrium.kit.models import Base

# Tables in the public schema that no Atrium model maps, each created by the library that
# owns it (src/atrium/db/libraries.py applies them after the migrations) or by Alembic.
LIBRARY_TABLES = {
    # Alembic's record of the applied revision.
    "alembic_version",
    # LangGraph's PostgreSQL checkpointer (langgraph-checkpoint-postgres).
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
    "checkpoint_migrations",
    # procrastinate's job queue.
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
}

# Drift between the models and the migrated database that is accepted for now, one line
# each as `_describe` renders it, with why. An entry lets the test pass on that one
# difference and still fail on any other; fixing it fails the test until the line goes.
# Empty: when this test was written the models matched the migrations in tables, column
# names, types, nullability and primary keys.
KNOWN_DIFFERENCES: set[str] = set()

# Objects that only the migrations declare, on purpose: the models map rows for the ORM,
# the reviewed SQL owns the rest of the schema. Foreign keys (no model declares a
# relationship, so the ORM has no use for them), indexes (tenant-leading, partial and
# expression ones) and unique constraints change nothing the ORM does; the database
# enforces them. Only the database's side is skipped: such an object declared on a model
# must still exist in the database.
MIGRATION_ONLY_OBJECTS = {"index", "unique_constraint", "foreign_key_constraint"}


def _model_metadata() -> sa.MetaData:
    """Base.metadata with every domain's models.py imported, new domains included."""
    for module in pkgutil.iter_modules(atrium.__path__):
        if module.ispkg and importlib.util.find_spec(f"atrium.{module.name}.models"):
            importlib.import_module(f"atrium.{module.name}.models")
    # a discovery that found nothing would make every comparison below pass
    assert "tenants" in Base.metadata.tables
    return Base.metadata


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and reflected and compare_to is None:
        return False  # a table without a model: test_every_table_has_a_model judges it
    return not (type_ in MIGRATION_ONLY_OBJECTS and reflected and compare_to is None)


def _compare_type(
    context: MigrationContext,
    inspected_column: sa.Column[Any],
    metadata_column: sa.Column[Any],
    inspected_type: sa.types.TypeEngine[Any],
    metadata_type: sa.types.TypeEngine[Any],
) -> bool | None:
    # `Mapped[str]` maps to VARCHAR without a length, which PostgreSQL stores and compares
    # exactly like the migrations' `text`. Every other pair: Alembic's own comparison.
    if (
        type(metadata_type) is sa.String
        and metadata_type.length is None
        and isinstance(inspected_type, sa.Text)
    ):
        return False
    return None


def _describe(diff: Any) -> str:
    """One line per difference, stable across runs, to compare with KNOWN_DIFFERENCES."""
    if isinstance(diff, list):  # modify_* come as a list of one tuple per attribute
        return "; ".join(_describe(d) for d in diff)
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return f"{kind} {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        return f"{kind} {diff[2]}.{diff[3].name}"
    if kind.startswith("modify_"):
        _, _, table, column, _, old, new = diff
        return f"{kind} {table}.{column}: database {old!r}, model {new!r}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return f"{kind} {diff[1].table.name}.{diff[1].name}"
    if kind in ("add_fk", "remove_fk"):
        return f"{kind} {diff[1].parent.name}.{diff[1].name}"
    return repr(diff)


@pytest.fixture(scope="module")
def engine(owner_dsn: str) -> Iterator[Engine]:
    url = make_url(owner_dsn).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    yield engine
    engine.dispose()


def test_models_match_the_migrated_tables(engine: Engine) -> None:
    metadata = _model_metadata()
    with engine.connect() as conn, warnings.catch_warnings():
        # Expression indexes (users_email_key on lower(email)) cannot be reflected; they
        # are migration-only objects anyway.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": _compare_type, "include_object": _include_object},
        )
        found = {_describe(diff) for diff in compare_metadata(context, metadata)}

    new, fixed = sorted(found - KNOWN_DIFFERENCES), sorted(KNOWN_DIFFERENCES - found)
    assert not new, "models and migrations differ:\n" + "\n".join(new)
    assert not fixed, "no longer found, remove from KNOWN_DIFFERENCES:\n" + "\n".join(fixed)


def test_primary_keys_match(engine: Engine) -> None:
    # Alembic's autogenerate does not compare primary keys. Compared as sets: a model's
    # key order is the order of its identity tuple, not a property of the table.
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names())
    different = {}
    for table in _model_metadata().sorted_tables:
        if table.name not in present:
            continue  # reported by test_models_match_the_migrated_tables
        model = {c.name for c in table.primary_key.columns}
        database = set(inspector.get_pk_constraint(table.name)["constrained_columns"])
        if model != database:
            different[table.name] = {"model": sorted(model), "database": sorted(database)}
    assert different == {}


def test_every_table_has_a_model(engine: Engine) -> None:
    tables = set(sa.inspect(engine).get_table_names())
    modelled = set(_model_metadata().tables)
    assert sorted(LIBRARY_TABLES - tables) == [], "not created: remove from LIBRARY_TABLES"
    assert sorted(tables - modelled - LIBRARY_TABLES) == [], (
        "tables the migrations create without a model (add one, or list a library's table "
        "in LIBRARY_TABLES with its owner)"
    )
