"""Knowledge: bases, their files (or a thread's files), and the files' chunks with a vector
and a full-text index each.

Vectors are stored in a `vector` column without a fixed size, since a base chooses its
embedding model; `dims` says which size a row has, and one HNSW index per supported size
covers the rows of that size (a partial expression index), so a query for a 384-dimension
base uses `embedding::vector(384)` and `dims = 384` to reach it.

Revision ID: 0009_knowledge
Revises: 0008_billing
Create Date: 2026-12-06
"""

from alembic import op

from atrium.db.rls import enable_tenant_rls, grant

revision = "0009_knowledge"
down_revision = "0008_billing"
branch_labels = None
depends_on = None

# Embedding sizes with an HNSW index (MiniLM; OpenAI's small/large; Gemini's). A base of
# another size is searched by exact scans only.
INDEXED_DIMS = (384, 768, 1536)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(
        """
        CREATE TABLE knowledge_bases (
          tenant_id uuid NOT NULL
            CONSTRAINT knowledge_bases_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL CONSTRAINT knowledge_bases_name_length
            CHECK (length(name) BETWEEN 1 AND 200),
          description text CONSTRAINT knowledge_bases_description_length
            CHECK (length(description) <= 2000),
          embedding_model text NOT NULL,
          dimensions integer NOT NULL CONSTRAINT knowledge_bases_dimensions_range
            CHECK (dimensions BETWEEN 1 AND 16000),
          pending_model text,
          pending_dimensions integer,
          metadata jsonb NOT NULL DEFAULT '{}',
          created_by uuid,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT knowledge_bases_pkey PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute(
        "CREATE INDEX knowledge_bases_tenant_created_idx ON knowledge_bases (tenant_id, created_at)"
    )
    enable_tenant_rls("knowledge_bases")
    grant("knowledge_bases")

    op.execute(
        """
        CREATE TABLE knowledge_files (
          tenant_id uuid NOT NULL
            CONSTRAINT knowledge_files_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id uuid NOT NULL,
          knowledge_base_id uuid,
          thread_id uuid,
          name text NOT NULL CONSTRAINT knowledge_files_name_length
            CHECK (length(name) BETWEEN 1 AND 255),
          kind text,
          size_bytes bigint NOT NULL,
          sha256 text NOT NULL,
          storage_key text NOT NULL,
          status text NOT NULL DEFAULT 'queued' CONSTRAINT knowledge_files_status_check
            CHECK (status IN ('queued', 'parsing', 'embedding', 'ready', 'failed')),
          error text,
          chunks_done integer NOT NULL DEFAULT 0,
          chunks_total integer NOT NULL DEFAULT 0,
          pages integer,
          source_url text,
          metadata jsonb NOT NULL DEFAULT '{}',
          created_by uuid,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT knowledge_files_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT knowledge_files_owner_check
            CHECK ((knowledge_base_id IS NULL) <> (thread_id IS NULL)),
          CONSTRAINT knowledge_files_base_fkey FOREIGN KEY (tenant_id, knowledge_base_id)
            REFERENCES knowledge_bases (tenant_id, id) ON DELETE CASCADE,
          CONSTRAINT knowledge_files_thread_fkey FOREIGN KEY (tenant_id, thread_id)
            REFERENCES threads (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        "CREATE INDEX knowledge_files_tenant_base_idx "
        "ON knowledge_files (tenant_id, knowledge_base_id, created_at)"
    )
    op.execute(
        "CREATE INDEX knowledge_files_tenant_thread_idx "
        "ON knowledge_files (tenant_id, thread_id) WHERE thread_id IS NOT NULL"
    )
    op.execute("CREATE INDEX knowledge_files_tenant_sha_idx ON knowledge_files (tenant_id, sha256)")
    enable_tenant_rls("knowledge_files")
    grant("knowledge_files")

    op.execute(
        """
        CREATE TABLE knowledge_chunks (
          tenant_id uuid NOT NULL
            CONSTRAINT knowledge_chunks_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
          id bigint GENERATED ALWAYS AS IDENTITY,
          file_id uuid NOT NULL,
          knowledge_base_id uuid,
          thread_id uuid,
          chunk_index integer NOT NULL,
          text text NOT NULL,
          page integer,
          heading text,
          token_count integer NOT NULL,
          embedding vector,
          dims integer,
          next_embedding vector,
          tsv tsvector GENERATED ALWAYS AS
            (to_tsvector('english', coalesce(heading, '') || ' ' || text)) STORED,
          CONSTRAINT knowledge_chunks_pkey PRIMARY KEY (tenant_id, id),
          CONSTRAINT knowledge_chunks_file_fkey FOREIGN KEY (tenant_id, file_id)
            REFERENCES knowledge_files (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        "CREATE INDEX knowledge_chunks_tenant_base_idx "
        "ON knowledge_chunks (tenant_id, knowledge_base_id)"
    )
    op.execute(
        "CREATE INDEX knowledge_chunks_tenant_thread_idx "
        "ON knowledge_chunks (tenant_id, thread_id) WHERE thread_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX knowledge_chunks_tenant_file_idx "
        "ON knowledge_chunks (tenant_id, file_id, chunk_index)"
    )
    # GIN cannot lead with a uuid without btree_gin; the tenant filter is applied by RLS.
    op.execute("CREATE INDEX knowledge_chunks_tsv_idx ON knowledge_chunks USING gin (tsv)")
    # Vectors stay in the row (a 384-dim vector is 1.5 kB; a row fits a page): out of line
    # (TOAST) every exact scan reads them from a second relation.
    op.execute("ALTER TABLE knowledge_chunks ALTER COLUMN embedding SET STORAGE MAIN")
    op.execute("ALTER TABLE knowledge_chunks ALTER COLUMN next_embedding SET STORAGE MAIN")
    for dims in INDEXED_DIMS:
        op.execute(
            f"CREATE INDEX knowledge_chunks_hnsw_{dims}_idx ON knowledge_chunks "
            f"USING hnsw ((embedding::vector({dims})) vector_cosine_ops) WHERE dims = {dims}"
        )
    enable_tenant_rls("knowledge_chunks")
    grant("knowledge_chunks")


def downgrade() -> None:
    op.execute("DROP TABLE knowledge_chunks")
    op.execute("DROP TABLE knowledge_files")
    op.execute("DROP TABLE knowledge_bases")
