"""Billing: each tenant's Stripe subscription and grace deadline, the Stripe events already
processed (webhooks are delivered at least once), plans editable by platform
administrators only, and usage readable across tenants by them.

Revision ID: 0008_billing
Revises: 0007_budgets
Create Date: 2026-11-28
"""

from alembic import op

from atrium.db.rls import PLATFORM_ADMIN, app_role, enable_tenant_rls, grant

revision = "0008_billing"
down_revision = "0007_budgets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE billing_accounts (
          tenant_id uuid NOT NULL
            CONSTRAINT billing_accounts_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          stripe_customer_id text
            CONSTRAINT billing_accounts_customer_length CHECK (length(stripe_customer_id) <= 255),
          stripe_subscription_id text CONSTRAINT billing_accounts_subscription_length
            CHECK (length(stripe_subscription_id) <= 255),
          subscription_status text CONSTRAINT billing_accounts_status_length
            CHECK (length(subscription_status) <= 64),
          paid_plan_id text
            CONSTRAINT billing_accounts_paid_plan_id_fkey REFERENCES plans (id),
          grace_until timestamptz,
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT billing_accounts_pkey PRIMARY KEY (tenant_id)
        )
        """
    )
    enable_tenant_rls("billing_accounts")
    # The grace sweep finds, across tenants, the accounts whose deadline passed; it then
    # changes each one inside that tenant's own scope.
    op.execute(
        f"""
        CREATE POLICY billing_accounts_platform_admin_read ON billing_accounts FOR SELECT
        USING ({PLATFORM_ADMIN})
        """
    )
    grant("billing_accounts", "SELECT, INSERT, UPDATE")

    # Not tenant-owned: a delivery is identified by Stripe's event id before any tenant is
    # known. Its primary key makes a redelivered event a no-op.
    op.execute(
        """
        CREATE TABLE stripe_events (
          id text CONSTRAINT stripe_events_pkey PRIMARY KEY
            CONSTRAINT stripe_events_id_length CHECK (length(id) <= 255),
          type text NOT NULL CONSTRAINT stripe_events_type_length CHECK (length(type) <= 255),
          received_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    grant("stripe_events", "SELECT, INSERT")

    # Plans become editable, by platform administrators only. ENABLE without FORCE: the
    # owner role (migrations) keeps changing them freely.
    op.execute("ALTER TABLE plans ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY plans_read ON plans FOR SELECT USING (true)")
    op.execute(
        "CREATE POLICY plans_platform_admin_insert ON plans FOR INSERT "
        f"WITH CHECK ({PLATFORM_ADMIN})"
    )
    op.execute(
        f"CREATE POLICY plans_platform_admin_update ON plans FOR UPDATE "
        f"USING ({PLATFORM_ADMIN}) WITH CHECK ({PLATFORM_ADMIN})"
    )
    op.execute(
        "ALTER TABLE plans ADD CONSTRAINT plans_limits_object "
        "CHECK (jsonb_typeof(limits) = 'object')"
    )
    grant("plans", "SELECT, INSERT, UPDATE")

    # Usage roll-ups: platform administrators read every tenant's; members read their own,
    # which this index serves.
    op.execute(
        f"""
        CREATE POLICY usage_records_platform_admin_read ON usage_records FOR SELECT
        USING ({PLATFORM_ADMIN})
        """
    )
    op.execute(
        "CREATE INDEX usage_records_tenant_user_created_idx "
        "ON usage_records (tenant_id, user_id, created_at)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS usage_records_tenant_user_created_idx")
    op.execute("DROP POLICY IF EXISTS usage_records_platform_admin_read ON usage_records")
    op.execute("ALTER TABLE plans DROP CONSTRAINT IF EXISTS plans_limits_object")
    for policy in ("plans_read", "plans_platform_admin_insert", "plans_platform_admin_update"):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON plans")
    op.execute("ALTER TABLE plans DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE INSERT, UPDATE ON plans FROM {app_role()}")
    op.execute("DROP TABLE IF EXISTS stripe_events")
    op.execute("DROP TABLE IF EXISTS billing_accounts")
