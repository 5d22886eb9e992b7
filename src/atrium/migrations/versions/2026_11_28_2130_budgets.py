"""Budget ledger: spend and open reservations per tenant, API key and member and month, so
concurrent calls cannot overspend a ceiling; usage records of unpriced (BYOK) models.

Revision ID: 0007_budgets
Revises: 0006_plan_features
Create Date: 2026-11-28
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0007_budgets"
down_revision = "0006_plan_features"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per ceiling and month: `scope_id` is the tenant's id for the tenant's own
    # ceiling, the key's or the member's user id otherwise. Reserve and settle are single
    # conditional UPDATEs on these rows, so the row lock serialises a tenant's calls for the
    # length of one statement only.
    op.execute(
        """
        CREATE TABLE budget_periods (
          tenant_id uuid NOT NULL
            CONSTRAINT budget_periods_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          scope text NOT NULL
            CONSTRAINT budget_periods_scope_check CHECK (scope IN ('tenant', 'key', 'member')),
          scope_id uuid NOT NULL,
          month date NOT NULL,
          tokens_spent bigint NOT NULL DEFAULT 0,
          tokens_reserved bigint NOT NULL DEFAULT 0,
          cost_spent numeric(20, 10) NOT NULL DEFAULT 0,
          cost_reserved numeric(20, 10) NOT NULL DEFAULT 0,
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT budget_periods_pkey PRIMARY KEY (tenant_id, scope, scope_id, month),
          CONSTRAINT budget_periods_nonneg CHECK (
            tokens_spent >= 0 AND tokens_reserved >= 0 AND cost_spent >= 0 AND cost_reserved >= 0
          )
        )
        """
    )
    enable_tenant_rls("budget_periods")
    grant("budget_periods", "SELECT, INSERT, UPDATE")

    # An open reservation: deleted when its call settles; one left by a killed process is
    # released (its amounts taken off the periods) once `expires_at` has passed.
    op.execute(
        """
        CREATE TABLE budget_reservations (
          tenant_id uuid NOT NULL
            CONSTRAINT budget_reservations_tenant_id_fkey REFERENCES tenants (id)
            ON DELETE CASCADE,
          id uuid NOT NULL,
          month date NOT NULL,
          scopes text[] NOT NULL,
          scope_ids uuid[] NOT NULL,
          tokens bigint NOT NULL CONSTRAINT budget_reservations_tokens_nonneg CHECK (tokens >= 0),
          cost numeric(20, 10) NOT NULL
            CONSTRAINT budget_reservations_cost_nonneg CHECK (cost >= 0),
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL,
          CONSTRAINT budget_reservations_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute(
        "CREATE INDEX budget_reservations_tenant_expires_idx "
        "ON budget_reservations (tenant_id, expires_at)"
    )
    enable_tenant_rls("budget_reservations")
    grant("budget_reservations", "SELECT, INSERT, DELETE")

    # A BYOK call to a model the catalogue has no price for is recorded at cost 0, marked.
    op.execute("ALTER TABLE usage_records ADD COLUMN unpriced boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE usage_records DROP COLUMN IF EXISTS unpriced")
    op.execute("DROP TABLE IF EXISTS budget_reservations")
    op.execute("DROP TABLE IF EXISTS budget_periods")
