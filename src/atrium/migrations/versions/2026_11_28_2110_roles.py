"""When a user's password last changed: access tokens issued before it stop working.

Revision ID: 0005_roles
Revises: 0004_limits
Create Date: 2026-11-28
"""

from alembic import op

revision = "0005_roles"
down_revision = "0004_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: never changed since the account was made (no token predates it).
    op.execute("ALTER TABLE users ADD COLUMN password_changed_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE users DROP COLUMN password_changed_at")
