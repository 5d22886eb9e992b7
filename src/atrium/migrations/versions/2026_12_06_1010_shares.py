"""Read-only share links for threads: a link that any signed-in member of the thread's
tenant may open (and nobody else), until it is revoked or the thread is deleted.

The link's id is a random uuid (122 random bits from `gen_random_uuid()`), stored as is:
a link is only good inside its tenant (the row is guarded by row-level security and read
with the tenant of the reader's own credential), so it grants nothing to anyone who is
not already a member, and a member who can read this table could read the thread itself.

Revision ID: 0013_shares
Revises: 0012_projects
Create Date: 2026-12-06
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0013_shares"
down_revision = "0012_projects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE thread_shares (
          tenant_id uuid NOT NULL,
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          thread_id uuid NOT NULL,
          created_by uuid CONSTRAINT thread_shares_created_by_fkey
            REFERENCES users (id) ON DELETE SET NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          revoked_at timestamptz,
          CONSTRAINT thread_shares_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT thread_shares_thread_fkey FOREIGN KEY (tenant_id, thread_id)
            REFERENCES threads (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    # The thread's links, newest first (and the foreign key's index for the cascade).
    op.execute(
        "CREATE INDEX thread_shares_tenant_thread_idx"
        " ON thread_shares (tenant_id, thread_id, created_at)"
    )
    enable_tenant_rls("thread_shares")
    grant("thread_shares")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS thread_shares")
