"""Agent runtime: assistants and their versions, threads, runs, run events and tool calls,
each with row-level security. (LangGraph's checkpoint tables and procrastinate's queue
tables belong to those libraries; `atrium migrate` applies them after these migrations.)

Revision ID: 0003_agents
Revises: 0002_providers_usage
Create Date: 2026-11-21
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0003_agents"
down_revision = "0002_providers_usage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE assistants (
          tenant_id uuid NOT NULL
            CONSTRAINT assistants_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id uuid NOT NULL,
          graph_id text NOT NULL,
          name text NOT NULL CONSTRAINT assistants_name_length CHECK (length(name) <= 200),
          description text CONSTRAINT assistants_description_length
            CHECK (length(description) <= 2000),
          config jsonb NOT NULL DEFAULT '{}',
          context jsonb NOT NULL DEFAULT '{}',
          metadata jsonb NOT NULL DEFAULT '{}',
          version integer NOT NULL DEFAULT 1,
          created_by uuid,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT assistants_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute("CREATE INDEX assistants_tenant_created_idx ON assistants (tenant_id, created_at)")
    enable_tenant_rls("assistants")
    grant("assistants")

    op.execute(
        """
        CREATE TABLE assistant_versions (
          tenant_id uuid NOT NULL,
          assistant_id uuid NOT NULL,
          version integer NOT NULL,
          graph_id text NOT NULL,
          name text NOT NULL,
          description text,
          config jsonb NOT NULL,
          context jsonb NOT NULL,
          metadata jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT assistant_versions_pkey PRIMARY KEY (tenant_id, assistant_id, version),
          CONSTRAINT assistant_versions_assistant_fkey FOREIGN KEY (tenant_id, assistant_id)
            REFERENCES assistants (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    enable_tenant_rls("assistant_versions")
    grant("assistant_versions")

    op.execute(
        """
        CREATE TABLE threads (
          tenant_id uuid NOT NULL
            CONSTRAINT threads_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id uuid NOT NULL,
          user_id uuid,
          status text NOT NULL DEFAULT 'idle' CONSTRAINT threads_status_check
            CHECK (status IN ('idle', 'busy', 'interrupted', 'error')),
          metadata jsonb NOT NULL DEFAULT '{}',
          values jsonb,
          interrupts jsonb NOT NULL DEFAULT '{}',
          error jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT threads_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute("CREATE INDEX threads_tenant_user_idx ON threads (tenant_id, user_id, created_at)")
    enable_tenant_rls("threads")
    grant("threads")

    op.execute(
        """
        CREATE TABLE runs (
          tenant_id uuid NOT NULL,
          id uuid NOT NULL,
          thread_id uuid NOT NULL,
          assistant_id uuid NOT NULL,
          assistant_version integer NOT NULL,
          user_id uuid,
          api_key_id uuid,
          status text NOT NULL DEFAULT 'pending' CONSTRAINT runs_status_check
            CHECK (status IN ('pending', 'running', 'success', 'error', 'timeout',
                              'interrupted')),
          multitask_strategy text NOT NULL DEFAULT 'enqueue'
            CONSTRAINT runs_multitask_check
            CHECK (multitask_strategy IN ('reject', 'enqueue', 'interrupt', 'rollback')),
          metadata jsonb NOT NULL DEFAULT '{}',
          kwargs jsonb NOT NULL DEFAULT '{}',
          model text,
          input_tokens integer NOT NULL DEFAULT 0,
          output_tokens integer NOT NULL DEFAULT 0,
          cost_usd numeric(20, 10) NOT NULL DEFAULT 0,
          error jsonb,
          attempt integer NOT NULL DEFAULT 0,
          cancel_action text,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          started_at timestamptz,
          finished_at timestamptz,
          CONSTRAINT runs_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT runs_thread_fkey FOREIGN KEY (tenant_id, thread_id)
            REFERENCES threads (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX runs_tenant_thread_idx ON runs (tenant_id, thread_id, created_at)")
    # At most one active run per thread, enforced by the database.
    op.execute(
        "CREATE UNIQUE INDEX runs_one_active_per_thread ON runs (tenant_id, thread_id) "
        "WHERE status = 'running'"
    )
    enable_tenant_rls("runs")
    grant("runs")

    op.execute(
        """
        CREATE TABLE run_events (
          tenant_id uuid NOT NULL,
          run_id uuid NOT NULL,
          seq bigint NOT NULL,
          event text NOT NULL,
          data jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT run_events_pkey PRIMARY KEY (tenant_id, run_id, seq),
          CONSTRAINT run_events_run_fkey FOREIGN KEY (tenant_id, run_id)
            REFERENCES runs (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    enable_tenant_rls("run_events")
    grant("run_events")

    op.execute(
        """
        CREATE TABLE tool_calls (
          tenant_id uuid NOT NULL,
          id uuid NOT NULL,
          run_id uuid NOT NULL,
          call_id text NOT NULL,
          name text NOT NULL,
          input jsonb NOT NULL DEFAULT '{}',
          output text,
          status text NOT NULL CONSTRAINT tool_calls_status_check
            CHECK (status IN ('success', 'error', 'rejected')),
          latency_ms integer NOT NULL DEFAULT 0,
          approval text CONSTRAINT tool_calls_approval_check
            CHECK (approval IN ('approved', 'rejected', 'edited')),
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT tool_calls_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT tool_calls_run_fkey FOREIGN KEY (tenant_id, run_id)
            REFERENCES runs (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX tool_calls_tenant_run_idx ON tool_calls (tenant_id, run_id)")
    enable_tenant_rls("tool_calls")
    grant("tool_calls")


def downgrade() -> None:
    for table in (
        "tool_calls",
        "run_events",
        "runs",
        "threads",
        "assistant_versions",
        "assistants",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
