"""Tools: a tenant's outbound allowlist (host names its outbound calls are limited to) and who
approved a tool call (the user whose resume command approved, edited or rejected it).

Revision ID: 0010_tools
Revises: 0009_knowledge
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010_tools"
down_revision = "0009_knowledge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE tenants ADD COLUMN outbound_allowlist text[] NOT NULL DEFAULT '{}'
          CONSTRAINT tenants_outbound_allowlist_size
            CHECK (cardinality(outbound_allowlist) <= 100)
        """
    )
    op.execute(
        """
        ALTER TABLE tool_calls ADD COLUMN approved_by uuid
        """
    )
    # Listing invocations newest first, by name.
    op.execute(
        "CREATE INDEX tool_calls_tenant_created_idx ON tool_calls (tenant_id, created_at, id)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS tool_calls_tenant_created_idx")
    op.execute("ALTER TABLE tool_calls DROP COLUMN IF EXISTS approved_by")
    op.execute("ALTER TABLE tenants DROP COLUMN IF EXISTS outbound_allowlist")
