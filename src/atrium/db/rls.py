"""SQL building blocks for migrations: tenant row-level security and application grants.

Every tenant-owned table gets ENABLE + FORCE ROW LEVEL SECURITY and one policy that both
filters (USING) and guards writes (WITH CHECK) on the transaction-local `app.tenant_id`.
With no tenant set, `NULLIF(..., '')::uuid` is NULL and no row matches.
"""

from __future__ import annotations

from alembic import context, op

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
CURRENT_USER_ID = "NULLIF(current_setting('app.user_id', true), '')::uuid"
PLATFORM_ADMIN = "current_setting('app.platform_admin', true) = 'on'"


def app_role() -> str:
    role = context.config.attributes.get("app_role", "atrium_app")
    assert isinstance(role, str)
    assert role.isidentifier()
    return role


def enable_tenant_rls(table: str, column: str = "tenant_id") -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_tenant_isolation ON {table} "
        f"USING ({column} = {CURRENT_TENANT}) WITH CHECK ({column} = {CURRENT_TENANT})"
    )


def grant(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    op.execute(f"GRANT {privileges} ON {table} TO {app_role()}")
