"""Foundation: plans, tenants, users, memberships, invitations, API keys, refresh tokens,
e-mail tokens, OAuth identities and the append-only audit log, with row-level security.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-21
"""

from alembic import op

from atrium.db.rls import (
    CURRENT_USER_ID,
    PLATFORM_ADMIN,
    app_role,
    enable_tenant_rls,
    grant,
)

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

_PLANS = """
INSERT INTO plans (id, name, position, monthly_price_cents, limits) VALUES
('basic', 'Basic', 1, 0, '{
  "requests_per_minute": 60, "tokens_per_minute": 20000, "tokens_per_month": 1000000,
  "cost_ceiling_usd_per_month": 5, "max_assistants": 3, "max_members": 3, "storage_mb": 100,
  "allowed_models": ["local/*"], "features": ["chat", "knowledge"]}'),
('premium', 'Premium', 2, 2900, '{
  "requests_per_minute": 600, "tokens_per_minute": 200000, "tokens_per_month": 20000000,
  "cost_ceiling_usd_per_month": 100, "max_assistants": 50, "max_members": 25,
  "storage_mb": 5000, "allowed_models": ["*"],
  "features": ["chat", "knowledge", "tools", "mcp", "gateway"]}'),
('gold', 'Gold', 3, 9900, '{
  "requests_per_minute": 3000, "tokens_per_minute": 1000000, "tokens_per_month": 200000000,
  "cost_ceiling_usd_per_month": 1000, "max_assistants": 500, "max_members": 500,
  "storage_mb": 50000, "allowed_models": ["*"],
  "features": ["chat", "knowledge", "tools", "mcp", "gateway", "byok", "audit_export"]}')
"""


def upgrade() -> None:
    app = app_role()
    op.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
            CREATE ROLE {app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {app}")

    op.execute(
        """
        CREATE TABLE plans (
          id text CONSTRAINT plans_pkey PRIMARY KEY,
          name text NOT NULL,
          position integer NOT NULL,
          monthly_price_cents integer NOT NULL CONSTRAINT plans_price_nonneg
            CHECK (monthly_price_cents >= 0),
          limits jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(_PLANS)
    grant("plans", "SELECT")

    op.execute(
        """
        CREATE TABLE users (
          id uuid CONSTRAINT users_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
          email text NOT NULL CONSTRAINT users_email_length CHECK (length(email) <= 320),
          password_hash text,
          full_name text NOT NULL DEFAULT '',
          avatar_url text,
          preferences jsonb NOT NULL DEFAULT '{}',
          email_verified_at timestamptz,
          is_platform_admin boolean NOT NULL DEFAULT false,
          is_active boolean NOT NULL DEFAULT true,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX users_email_key ON users (lower(email))")
    grant("users", "SELECT, INSERT, UPDATE")

    op.execute(
        """
        CREATE TABLE tenants (
          id uuid CONSTRAINT tenants_pkey PRIMARY KEY,
          name text NOT NULL CONSTRAINT tenants_name_length CHECK (length(name) BETWEEN 1 AND 200),
          plan_id text NOT NULL CONSTRAINT tenants_plan_id_fkey REFERENCES plans (id),
          status text NOT NULL DEFAULT 'active'
            CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended')),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # The tenant row itself is isolated like tenant-owned rows (keyed by `id`), is readable
    # by its members from any tenant context (to list a user's tenants), and by platform
    # administrators.
    enable_tenant_rls("tenants", column="id")
    op.execute(
        f"""
        CREATE POLICY tenants_platform_admin_read ON tenants FOR SELECT
        USING ({PLATFORM_ADMIN})
        """
    )
    grant("tenants", "SELECT, INSERT, UPDATE")

    op.execute(
        """
        CREATE TABLE memberships (
          tenant_id uuid NOT NULL
            CONSTRAINT memberships_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          user_id uuid NOT NULL
            CONSTRAINT memberships_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
          role text NOT NULL
            CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'admin', 'member')),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT memberships_pkey PRIMARY KEY (tenant_id, user_id)
        )
        """
    )
    enable_tenant_rls("memberships")
    # A signed-in user sees their own memberships in every tenant (to choose one); nothing
    # else crosses tenants. This index serves that policy, so it leads with user_id.
    op.execute(
        f"""
        CREATE POLICY memberships_self_read ON memberships FOR SELECT
        USING (user_id = {CURRENT_USER_ID})
        """
    )
    op.execute("CREATE INDEX memberships_user_id_idx ON memberships (user_id)")
    op.execute(
        f"""
        CREATE POLICY tenants_member_read ON tenants FOR SELECT
        USING (id IN (SELECT m.tenant_id FROM memberships m WHERE m.user_id = {CURRENT_USER_ID}))
        """
    )
    grant("memberships")

    op.execute(
        """
        CREATE TABLE invitations (
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          tenant_id uuid NOT NULL
            CONSTRAINT invitations_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          email text NOT NULL CONSTRAINT invitations_email_length CHECK (length(email) <= 320),
          role text NOT NULL
            CONSTRAINT invitations_role_check CHECK (role IN ('owner', 'admin', 'member')),
          token_hash bytea NOT NULL,
          invited_by uuid CONSTRAINT invitations_invited_by_fkey
            REFERENCES users (id) ON DELETE SET NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL,
          accepted_at timestamptz,
          accepted_by uuid CONSTRAINT invitations_accepted_by_fkey
            REFERENCES users (id) ON DELETE SET NULL,
          revoked_at timestamptz,
          CONSTRAINT invitations_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX invitations_token_key ON invitations (tenant_id, token_hash)")
    op.execute(
        "CREATE UNIQUE INDEX invitations_pending_email_key "
        "ON invitations (tenant_id, lower(email)) "
        "WHERE accepted_at IS NULL AND revoked_at IS NULL"
    )
    enable_tenant_rls("invitations")
    grant("invitations")

    op.execute(
        """
        CREATE TABLE api_keys (
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          tenant_id uuid NOT NULL
            CONSTRAINT api_keys_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          user_id uuid CONSTRAINT api_keys_user_id_fkey REFERENCES users (id) ON DELETE SET NULL,
          name text NOT NULL CONSTRAINT api_keys_name_length CHECK (length(name) BETWEEN 1 AND 200),
          role text NOT NULL CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'member')),
          display_prefix text NOT NULL,
          key_hash bytea NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz,
          last_used_at timestamptz,
          revoked_at timestamptz,
          CONSTRAINT api_keys_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (tenant_id, key_hash)")
    op.execute("CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at)")
    enable_tenant_rls("api_keys")
    grant("api_keys")

    op.execute(
        """
        CREATE TABLE refresh_tokens (
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          tenant_id uuid NOT NULL
            CONSTRAINT refresh_tokens_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          user_id uuid NOT NULL
            CONSTRAINT refresh_tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
          family_id uuid NOT NULL,
          token_hash bytea NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL,
          rotated_at timestamptz,
          revoked_at timestamptz,
          ip text,
          user_agent text,
          CONSTRAINT refresh_tokens_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (tenant_id, token_hash)"
    )
    op.execute("CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id)")
    op.execute("CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (tenant_id, user_id)")
    enable_tenant_rls("refresh_tokens")
    grant("refresh_tokens")

    op.execute(
        """
        CREATE TABLE email_tokens (
          id uuid CONSTRAINT email_tokens_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id uuid NOT NULL
            CONSTRAINT email_tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
          purpose text NOT NULL
            CONSTRAINT email_tokens_purpose_check
            CHECK (purpose IN ('verify_email', 'reset_password')),
          token_hash bytea NOT NULL CONSTRAINT email_tokens_hash_key UNIQUE,
          email text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL,
          used_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose)")
    grant("email_tokens")

    op.execute(
        """
        CREATE TABLE oauth_identities (
          id uuid CONSTRAINT oauth_identities_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
          provider text NOT NULL,
          subject text NOT NULL,
          user_id uuid NOT NULL
            CONSTRAINT oauth_identities_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
          email text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT oauth_identities_subject_key UNIQUE (provider, subject)
        )
        """
    )
    op.execute("CREATE INDEX oauth_identities_user_idx ON oauth_identities (user_id)")
    grant("oauth_identities", "SELECT, INSERT, DELETE")

    op.execute(
        """
        CREATE TABLE audit_log (
          id bigint GENERATED ALWAYS AS IDENTITY,
          tenant_id uuid NOT NULL
            CONSTRAINT audit_log_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          actor_user_id uuid,
          actor_api_key_id uuid,
          action text NOT NULL,
          target_type text,
          target_id text,
          ip text,
          user_agent text,
          details jsonb NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT audit_log_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute("CREATE INDEX audit_log_tenant_created_idx ON audit_log (tenant_id, created_at)")
    enable_tenant_rls("audit_log")
    # Append-only: the application may add and read entries, never change or remove them.
    grant("audit_log", "SELECT, INSERT")


def downgrade() -> None:
    for table in (
        "audit_log",
        "oauth_identities",
        "email_tokens",
        "refresh_tokens",
        "api_keys",
        "invitations",
        "memberships",
        "tenants",
        "users",
        "plans",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
