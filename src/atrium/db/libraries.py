"""Schemas that libraries own: LangGraph's checkpoint tables and procrastinate's job queue.

They are applied by their libraries' own code, as the owner role, right after Atrium's
migrations; the application role then gets exactly the privileges it needs on them. These
tables hold no tenant column: checkpoints are keyed `<tenant>:<thread>` and reached only
after an RLS-guarded thread lookup; queue jobs carry their tenant in their arguments.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

CHECKPOINT_TABLES = (
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
    "checkpoint_migrations",
)


def apply(owner_dsn: str, app_role: str) -> None:
    from langgraph.checkpoint.postgres import PostgresSaver
    from procrastinate.schema import SchemaManager
    from psycopg.rows import dict_row

    with psycopg.connect(owner_dsn, autocommit=True, row_factory=dict_row) as conn:
        PostgresSaver(conn).setup()
        present = conn.execute("SELECT to_regclass('procrastinate_jobs') AS t").fetchone()
        if present is None or present["t"] is None:
            conn.execute(SchemaManager.get_schema())
        role = sql.Identifier(app_role)
        for table in CHECKPOINT_TABLES:
            conn.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                    sql.Identifier(table), role
                )
            )
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename LIKE 'procrastinate%'"
        ).fetchall():
            conn.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                    sql.Identifier(row["tablename"]), role
                )
            )
        for row in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
            "AND sequencename LIKE 'procrastinate%'"
        ).fetchall():
            conn.execute(
                sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(
                    sql.Identifier(row["sequencename"]), role
                )
            )
