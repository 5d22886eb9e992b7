"""Basic includes the gateway and tools, now that features are enforced; an index for
counting a tenant's active runs (the plans' concurrent runs).

Basic's models are the local ones only (`allowed_models: ["local/*"]`), so the gateway and
the built-in tools cost the operator no provider spend; without them the free plan could
not use the local model from a program, nor an assistant with a calculator. BYOK, MCP and
the audit export stay with the paid plans.

Revision ID: 0006_plan_features
Revises: 0005_roles
Create Date: 2026-11-28
"""

from alembic import op

revision = "0006_plan_features"
down_revision = "0005_roles"
branch_labels = None
depends_on = None

_ADDED = ("gateway", "tools")


def upgrade() -> None:
    # Each new run counts its tenant's pending and running ones.
    op.execute(
        "CREATE INDEX runs_tenant_active_idx ON runs (tenant_id) "
        "WHERE status IN ('pending', 'running')"
    )
    for feature in _ADDED:
        op.execute(
            "UPDATE plans SET limits = jsonb_set(limits, '{features}', "
            f"(limits -> 'features') || '\"{feature}\"'::jsonb) "
            f"WHERE id = 'basic' AND NOT (limits -> 'features') ? '{feature}'"
        )


def downgrade() -> None:
    op.execute("DROP INDEX runs_tenant_active_idx")
    for feature in _ADDED:
        op.execute(
            "UPDATE plans SET limits = jsonb_set(limits, '{features}', "
            f"(limits -> 'features') - '{feature}') WHERE id = 'basic'"
        )
