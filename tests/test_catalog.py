"""The database enforces tenant isolation by itself: checks on the catalog and raw SQL."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.support import register

# Indexes on tenant-owned tables that may lead with another column, each for a reason.
INDEX_EXCEPTIONS = {
    # serves the memberships_self_read policy (a user's own memberships across tenants)
    "memberships_user_id_idx",
    # `tenants` is keyed by id, which is its tenant column
    "tenants_pkey",
    # Full text: a GIN index can lead with tenant_id only through the btree_gin extension,
    # which the embedded PostgreSQL (pgserver) does not ship; RLS filters the matches.
    "knowledge_chunks_tsv_idx",
    # HNSW indexes hold vectors only (their expression is the vector); small scopes are
    # searched exactly through knowledge_chunks_tenant_base_idx instead (knowledge/search.py).
    "knowledge_chunks_hnsw_384_idx",
    "knowledge_chunks_hnsw_768_idx",
    "knowledge_chunks_hnsw_1536_idx",
}


def _tenant_tables(db: psycopg.Connection[Any]) -> list[str]:
    rows = db.execute(
        """
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        ORDER BY 1
        """
    ).fetchall()
    return [r[0] for r in rows]


def test_every_tenant_table_forces_row_level_security(
    server: Any, db: psycopg.Connection[Any]
) -> None:
    tables = _tenant_tables(db)
    assert {"memberships", "invitations", "api_keys", "refresh_tokens", "audit_log"} <= set(tables)
    for table in [*tables, "tenants"]:
        rls, forced = db.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s "
            "AND relnamespace = 'public'::regnamespace",
            (table,),
        ).fetchone()  # type: ignore[misc]
        assert rls and forced, table
        policies = db.execute(
            "SELECT qual, with_check FROM pg_policies WHERE tablename = %s AND cmd = 'ALL'",
            (table,),
        ).fetchall()
        assert len(policies) == 1, table
        qual, check = policies[0]
        assert "current_setting('app.tenant_id'::text, true)" in qual, table
        assert qual == check, table


def test_tenant_indexes_lead_with_tenant_id(server: Any, db: psycopg.Connection[Any]) -> None:
    rows = db.execute(
        """
        SELECT i.relname, t.relname, a.attname
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
        WHERE t.relnamespace = 'public'::regnamespace
        """
    ).fetchall()
    tenant_tables = set(_tenant_tables(db))
    checked = 0
    for index, table, first_column in rows:
        if table in tenant_tables and index not in INDEX_EXCEPTIONS:
            checked += 1
            assert first_column == "tenant_id", f"{index} on {table} leads with {first_column}"
    assert checked >= 8


def test_app_role_is_powerless(server: Any, db: psycopg.Connection[Any]) -> None:
    row = db.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = 'atrium_app'"
    ).fetchone()
    assert row == (False, False, False, False)
    owned = db.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = 'atrium_app'::regrole"
    ).fetchone()
    assert owned == (0,)


def test_app_role_without_tenant_sees_no_rows(base_url: str, app_dsn: str) -> None:
    register(base_url)
    register(base_url)
    with psycopg.connect(app_dsn) as conn:
        for table in ("tenants", "memberships", "api_keys", "refresh_tokens", "audit_log"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        # an empty setting (what a pooled connection has after a transaction) is no tenant either
        conn.execute("SELECT set_config('app.tenant_id', '', false)")
        assert conn.execute("SELECT count(*) FROM memberships").fetchone() == (0,)


def test_app_role_sees_only_its_tenant(base_url: str, app_dsn: str) -> None:
    a = register(base_url)
    b = register(base_url)
    with psycopg.connect(app_dsn) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (a.tenant_id,))
        tenants = conn.execute("SELECT id::text FROM tenants").fetchall()
        assert tenants == [(a.tenant_id,)]
        users = conn.execute("SELECT user_id::text FROM memberships").fetchall()
        assert users == [(a.user_id,)]
        # writing a row for another tenant is refused by WITH CHECK
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO memberships (tenant_id, user_id, role) VALUES (%s, %s, 'member')",
                (b.tenant_id, a.user_id),
            )


def test_audit_log_is_append_only_for_the_app(base_url: str, app_dsn: str) -> None:
    a = register(base_url)
    with psycopg.connect(app_dsn, autocommit=True) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (a.tenant_id,))
        count = conn.execute("SELECT count(*) FROM audit_log").fetchone()
        assert count is not None and count[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_log SET action = 'forged'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log")
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == count
