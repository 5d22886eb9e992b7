"""Tenants' MCP servers: where each one is (streamable HTTP URL, or a stdio command that only
a platform administrator may register), its credentials sealed at rest, and the tools last
discovered on it, which runs read instead of asking the server each time.

Revision ID: 0011_mcp
Revises: 0010_tools
Create Date: 2026-12-06
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0011_mcp"
down_revision = "0010_tools"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE mcp_servers (
          tenant_id uuid NOT NULL
            CONSTRAINT mcp_servers_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          name text NOT NULL
            CONSTRAINT mcp_servers_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
          transport text NOT NULL
            CONSTRAINT mcp_servers_transport_check CHECK (transport IN ('http', 'stdio')),
          url text CONSTRAINT mcp_servers_url_length CHECK (length(url) <= 2048),
          command text CONSTRAINT mcp_servers_command_length CHECK (length(command) <= 1024),
          args jsonb NOT NULL DEFAULT '[]'::jsonb
            CONSTRAINT mcp_servers_args_array CHECK (jsonb_typeof(args) = 'array'),
          credentials bytea,
          enabled boolean NOT NULL DEFAULT true,
          tools jsonb NOT NULL DEFAULT '[]'::jsonb
            CONSTRAINT mcp_servers_tools_array CHECK (jsonb_typeof(tools) = 'array'),
          tools_discovered_at timestamptz,
          created_by uuid CONSTRAINT mcp_servers_created_by_fkey
            REFERENCES users (id) ON DELETE SET NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT mcp_servers_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT mcp_servers_name_key UNIQUE (tenant_id, name),
          CONSTRAINT mcp_servers_endpoint_check CHECK (
            (transport = 'http' AND url IS NOT NULL AND command IS NULL)
            OR (transport = 'stdio' AND command IS NOT NULL AND url IS NULL)
          )
        )
        """
    )
    enable_tenant_rls("mcp_servers")
    grant("mcp_servers")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS mcp_servers")
