"""Limits a tenant admin narrows per API key and per member, and a plan's concurrent runs.

Revision ID: 0004_limits
Revises: 0003_agents
Create Date: 2026-11-28
"""

from alembic import op

revision = "0004_limits"
down_revision = "0003_agents"
branch_labels = None
depends_on = None

_CONCURRENT_RUNS = {"basic": 2, "premium": 20, "gold": 100}


def upgrade() -> None:
    # '{}' means "the plan's limits"; each key present narrows one (tenants.limits).
    for table in ("api_keys", "memberships"):
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN limits jsonb NOT NULL DEFAULT '{{}}' "
            f"CONSTRAINT {table}_limits_object CHECK (jsonb_typeof(limits) = 'object')"
        )
    for plan, runs in _CONCURRENT_RUNS.items():
        op.execute(
            "UPDATE plans SET limits = limits || "
            f"jsonb_build_object('concurrent_runs', {runs}) WHERE id = '{plan}'"
        )


def downgrade() -> None:
    op.execute("UPDATE plans SET limits = limits - 'concurrent_runs'")
    for table in ("api_keys", "memberships"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN limits")
