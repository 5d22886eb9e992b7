"""Projects: a tenant groups its assistants, threads and knowledge bases under one name.

`project_id` on assistants, threads and knowledge_bases points at the project through a
composite key (tenant_id, project_id), so a row can only name a project of its own tenant,
whatever the application does. Deleting a project unassigns its rows: ON DELETE SET NULL
lists `project_id` alone (PostgreSQL 15+), since the tenant_id half is not nullable.

Revision ID: 0012_projects
Revises: 0011_mcp
Create Date: 2026-12-06
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0012_projects"
down_revision = "0011_mcp"
branch_labels = None
depends_on = None

MEMBERS = ("assistants", "threads", "knowledge_bases")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE projects (
          tenant_id uuid NOT NULL
            CONSTRAINT projects_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL CONSTRAINT projects_name_length
            CHECK (length(name) BETWEEN 1 AND 200),
          description text CONSTRAINT projects_description_length
            CHECK (length(description) <= 2000),
          created_by uuid CONSTRAINT projects_created_by_fkey
            REFERENCES users (id) ON DELETE SET NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT projects_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT projects_name_key UNIQUE (tenant_id, name)
        )
        """
    )
    op.execute("CREATE INDEX projects_tenant_created_idx ON projects (tenant_id, created_at)")
    enable_tenant_rls("projects")
    grant("projects")

    for table in MEMBERS:
        op.execute(f"ALTER TABLE {table} ADD COLUMN project_id uuid")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_project_fkey"
            " FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)"
            " ON DELETE SET NULL (project_id)"
        )
        # Lists filter by project, and a project's deletion finds its rows through it.
        op.execute(
            f"CREATE INDEX {table}_tenant_project_idx ON {table} (tenant_id, project_id)"
            " WHERE project_id IS NOT NULL"
        )


def downgrade() -> None:
    for table in MEMBERS:
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS project_id")
    op.execute("DROP TABLE IF EXISTS projects")
