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

    # Reserve and settle are functions so that each is one statement in its own transaction
    # (one round trip, the row lock held only while it runs): they set the tenant for the
    # statement themselves, and row-level security applies as to any statement of the app.
    # Reserve holds the call against every ceiling's row or none (the block's subtransaction
    # undoes a partial update).
    op.execute(
        """
        CREATE FUNCTION budget_reserve(
          p_tenant uuid, p_id uuid, p_month date, p_scopes text[], p_scope_ids uuid[],
          p_token_ceilings bigint[], p_cost_ceilings numeric[], p_tokens bigint,
          p_cost numeric, p_ttl_seconds double precision
        ) RETURNS boolean LANGUAGE plpgsql AS $$
        DECLARE
          held integer;
        BEGIN
          PERFORM set_config('app.tenant_id', p_tenant::text, true);
          IF cardinality(p_scopes) > 1 THEN
            -- Rows locked in one order everywhere (tenant, scope, id), so two statements
            -- that hold rows of the same tenant never wait for each other in a cycle.
            PERFORM 1 FROM budget_periods b
              JOIN unnest(p_scopes, p_scope_ids) AS w(scope, scope_id)
                ON b.scope = w.scope AND b.scope_id = w.scope_id
              WHERE b.tenant_id = p_tenant AND b.month = p_month
              ORDER BY b.scope, b.scope_id FOR UPDATE OF b;
          END IF;
          BEGIN
            UPDATE budget_periods b
            SET tokens_reserved = b.tokens_reserved + p_tokens,
                cost_reserved = b.cost_reserved + p_cost,
                updated_at = now()
            FROM unnest(p_scopes, p_scope_ids, p_token_ceilings, p_cost_ceilings)
              AS w(scope, scope_id, token_ceiling, cost_ceiling)
            WHERE b.tenant_id = p_tenant AND b.month = p_month
              AND b.scope = w.scope AND b.scope_id = w.scope_id
              AND (w.token_ceiling IS NULL
                   OR b.tokens_spent + b.tokens_reserved + p_tokens <= w.token_ceiling)
              AND (w.cost_ceiling IS NULL
                   OR b.cost_spent + b.cost_reserved + p_cost <= w.cost_ceiling);
            GET DIAGNOSTICS held = ROW_COUNT;
            IF held <> cardinality(p_scopes) THEN
              RAISE EXCEPTION 'over budget' USING ERRCODE = 'AB001';
            END IF;
            INSERT INTO budget_reservations
              (tenant_id, id, month, scopes, scope_ids, tokens, cost, expires_at)
            VALUES (p_tenant, p_id, p_month, p_scopes, p_scope_ids, p_tokens, p_cost,
                    now() + make_interval(secs => p_ttl_seconds));
            RETURN true;
          EXCEPTION WHEN SQLSTATE 'AB001' THEN
            RETURN false;
          END;
        END
        $$
        """
    )
    # A reservation already released as expired (its call outlived its expiry) is gone: the
    # spend is still added, and nothing is taken off the reserved amounts twice.
    op.execute(
        """
        CREATE FUNCTION budget_settle(
          p_tenant uuid, p_id uuid, p_month date, p_scopes text[], p_scope_ids uuid[],
          p_tokens bigint, p_cost numeric
        ) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
          r_tokens bigint := 0;
          r_cost numeric := 0;
        BEGIN
          PERFORM set_config('app.tenant_id', p_tenant::text, true);
          DELETE FROM budget_reservations WHERE tenant_id = p_tenant AND id = p_id
          RETURNING tokens, cost INTO r_tokens, r_cost;
          UPDATE budget_periods b
          SET tokens_reserved = b.tokens_reserved - coalesce(r_tokens, 0),
              cost_reserved = b.cost_reserved - coalesce(r_cost, 0),
              tokens_spent = b.tokens_spent + p_tokens,
              cost_spent = b.cost_spent + p_cost,
              updated_at = now()
          FROM unnest(p_scopes, p_scope_ids) AS w(scope, scope_id)
          WHERE b.tenant_id = p_tenant AND b.month = p_month
            AND b.scope = w.scope AND b.scope_id = w.scope_id;
        END
        $$
        """
    )

    # The settlements of one process's calls that ended at about the same time, in one
    # statement (group commit): items come sorted by tenant, and each tenant's rows are
    # locked in the same order as `budget_reserve` locks them.
    op.execute(
        """
        CREATE FUNCTION budget_settle_many(
          p_tenants uuid[], p_ids uuid[], p_months date[], p_tokens bigint[],
          p_costs numeric[], p_items integer[], p_scopes text[], p_scope_ids uuid[]
        ) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
          i integer;
          v_tenant uuid := NULL;
        BEGIN
          FOR i IN 1 .. cardinality(p_ids) LOOP
            IF v_tenant IS DISTINCT FROM p_tenants[i] THEN
              v_tenant := p_tenants[i];
              PERFORM set_config('app.tenant_id', v_tenant::text, true);
              PERFORM 1 FROM budget_periods b
                JOIN unnest(p_items, p_scopes, p_scope_ids) AS w(item, scope, scope_id)
                  ON b.scope = w.scope AND b.scope_id = w.scope_id
                     AND b.month = p_months[w.item]
                WHERE b.tenant_id = v_tenant AND p_tenants[w.item] = v_tenant
                ORDER BY b.scope, b.scope_id, b.month FOR UPDATE OF b;
            END IF;
            PERFORM budget_settle(
              p_tenants[i], p_ids[i], p_months[i],
              ARRAY(SELECT x.s FROM unnest(p_items, p_scopes) AS x(item, s) WHERE x.item = i),
              ARRAY(SELECT x.s FROM unnest(p_items, p_scope_ids) AS x(item, s)
                    WHERE x.item = i),
              p_tokens[i], p_costs[i]);
          END LOOP;
        END
        $$
        """
    )

    # The reservations of one process's calls that arrived while its previous write was
    # under way, in one statement (group commit), each held or refused on its own; sorted
    # by tenant, each tenant's rows locked in one order, like the settlements.
    op.execute(
        """
        CREATE FUNCTION budget_reserve_many(
          p_tenants uuid[], p_ids uuid[], p_months date[], p_tokens bigint[],
          p_costs numeric[], p_ttl_seconds double precision, p_items integer[],
          p_scopes text[], p_scope_ids uuid[], p_token_ceilings bigint[],
          p_cost_ceilings numeric[]
        ) RETURNS boolean[] LANGUAGE plpgsql AS $$
        DECLARE
          i integer;
          v_tenant uuid := NULL;
          held boolean[] := '{}';
        BEGIN
          FOR i IN 1 .. cardinality(p_ids) LOOP
            IF v_tenant IS DISTINCT FROM p_tenants[i] THEN
              v_tenant := p_tenants[i];
              PERFORM set_config('app.tenant_id', v_tenant::text, true);
              PERFORM 1 FROM budget_periods b
                JOIN unnest(p_items, p_scopes, p_scope_ids) AS w(item, scope, scope_id)
                  ON b.scope = w.scope AND b.scope_id = w.scope_id
                     AND b.month = p_months[w.item]
                WHERE b.tenant_id = v_tenant AND p_tenants[w.item] = v_tenant
                ORDER BY b.scope, b.scope_id, b.month FOR UPDATE OF b;
            END IF;
            held := held || budget_reserve(
              p_tenants[i], p_ids[i], p_months[i],
              ARRAY(SELECT x.s FROM unnest(p_items, p_scopes) AS x(item, s) WHERE x.item = i),
              ARRAY(SELECT x.s FROM unnest(p_items, p_scope_ids) AS x(item, s)
                    WHERE x.item = i),
              ARRAY(SELECT x.s FROM unnest(p_items, p_token_ceilings) AS x(item, s)
                    WHERE x.item = i),
              ARRAY(SELECT x.s FROM unnest(p_items, p_cost_ceilings) AS x(item, s)
                    WHERE x.item = i),
              p_tokens[i], p_costs[i], p_ttl_seconds);
          END LOOP;
          RETURN held;
        END
        $$
        """
    )

    # A BYOK call to a model the catalogue has no price for is recorded at cost 0, marked.
    op.execute("ALTER TABLE usage_records ADD COLUMN unpriced boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE usage_records DROP COLUMN IF EXISTS unpriced")
    op.execute("DROP FUNCTION IF EXISTS budget_reserve_many")
    op.execute("DROP FUNCTION IF EXISTS budget_settle_many")
    op.execute("DROP FUNCTION IF EXISTS budget_settle")
    op.execute("DROP FUNCTION IF EXISTS budget_reserve")
    op.execute("DROP TABLE IF EXISTS budget_reservations")
    op.execute("DROP TABLE IF EXISTS budget_periods")
