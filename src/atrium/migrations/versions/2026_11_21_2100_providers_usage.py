"""Provider keys (BYOK, encrypted at rest) and usage records, with row-level security; a
platform-admin switch that lets a tenant point providers at private addresses.

Revision ID: 0002_providers_usage
Revises: 0001_foundation
Create Date: 2026-11-21
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0002_providers_usage"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE tenants ADD COLUMN allow_private_provider_urls boolean NOT NULL DEFAULT false"
    )

    op.execute(
        """
        CREATE TABLE provider_keys (
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          tenant_id uuid NOT NULL
            CONSTRAINT provider_keys_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          provider text NOT NULL,
          base_url text CONSTRAINT provider_keys_base_url_length CHECK (length(base_url) <= 2048),
          ciphertext bytea NOT NULL,
          key_hint text NOT NULL,
          created_by uuid CONSTRAINT provider_keys_created_by_fkey
            REFERENCES users (id) ON DELETE SET NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT provider_keys_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT provider_keys_provider_key UNIQUE (tenant_id, provider)
        )
        """
    )
    enable_tenant_rls("provider_keys")
    grant("provider_keys")

    op.execute(
        """
        CREATE TABLE usage_records (
          tenant_id uuid NOT NULL
            CONSTRAINT usage_records_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id bigint GENERATED ALWAYS AS IDENTITY,
          created_at timestamptz NOT NULL DEFAULT now(),
          user_id uuid,
          api_key_id uuid,
          assistant_id uuid,
          kind text NOT NULL CONSTRAINT usage_records_kind_check
            CHECK (kind IN ('chat', 'embedding')),
          provider text NOT NULL,
          model text NOT NULL,
          input_tokens integer NOT NULL CONSTRAINT usage_records_input_nonneg
            CHECK (input_tokens >= 0),
          output_tokens integer NOT NULL CONSTRAINT usage_records_output_nonneg
            CHECK (output_tokens >= 0),
          estimated boolean NOT NULL DEFAULT false,
          cost_usd numeric(20, 10) NOT NULL DEFAULT 0,
          latency_ms integer NOT NULL,
          ttft_ms integer,
          status text NOT NULL CONSTRAINT usage_records_status_check
            CHECK (status IN ('ok', 'error')),
          request_id text,
          CONSTRAINT usage_records_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute(
        "CREATE INDEX usage_records_tenant_created_idx ON usage_records (tenant_id, created_at)"
    )
    enable_tenant_rls("usage_records")
    # Usage is evidence for billing: the application appends and reads, never rewrites.
    grant("usage_records", "SELECT, INSERT")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS usage_records")
    op.execute("DROP TABLE IF EXISTS provider_keys")
    op.execute("ALTER TABLE tenants DROP COLUMN IF EXISTS allow_private_provider_urls")
