"""Atrium's checkpointer: LangGraph's PostgreSQL saver plus the maintenance LangGraph declares
as optional (`adelete_for_runs`, `acopy_thread`, `aprune`), each in one transaction that takes
the channel values (`checkpoint_blobs`) along. Every SQL statement on the checkpoint tables
that LangGraph's saver does not issue itself is here.

Thread ids are Atrium's keys `<tenant>:<thread>`; callers have already proved the thread is
the caller's. Atrium's graph has no `DeltaChannel`; `aprune` refuses threads that use one, as
LangGraph's own does, because cutting their history would lose their state silently.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncCursor
from psycopg.rows import DictRow

PRUNE_STRATEGIES = ("keep_latest", "delete")

_DELETE_RUNS_SQL = """
DELETE FROM checkpoints WHERE metadata ->> 'run_id' = ANY(%(runs)s)
RETURNING thread_id, checkpoint_ns, checkpoint_id, checkpoint -> 'channel_versions' AS versions
"""

# The same, confined to one thread, so it goes by the primary key instead of the whole table.
_DELETE_RUNS_OF_THREAD_SQL = """
DELETE FROM checkpoints WHERE thread_id = %(thread)s AND metadata ->> 'run_id' = ANY(%(runs)s)
RETURNING thread_id, checkpoint_ns, checkpoint_id, checkpoint -> 'channel_versions' AS versions
"""

# Checkpoint ids are uuid6, so their order is the order they were taken in (LangGraph's `alist`
# relies on it too).
_DELETE_ALL_BUT_NEWEST_SQL = """
DELETE FROM checkpoints c USING (
    SELECT thread_id, checkpoint_ns, checkpoint_id, row_number() OVER (
        PARTITION BY thread_id, checkpoint_ns ORDER BY checkpoint_id DESC
    ) AS newness
    FROM checkpoints WHERE thread_id = ANY(%(threads)s)
) ranked
WHERE ranked.newness > %(keep)s
AND c.thread_id = ranked.thread_id
AND c.checkpoint_ns = ranked.checkpoint_ns
AND c.checkpoint_id = ranked.checkpoint_id
RETURNING c.thread_id, c.checkpoint_ns, c.checkpoint_id,
    c.checkpoint -> 'channel_versions' AS versions
"""


# A run saves a superstep's writes in the background, where they can commit before their
# checkpoint does, so writes go by the checkpoints deleted, never by "has no checkpoint".
_DELETE_WRITES_SQL = """
DELETE FROM checkpoint_writes w
USING unnest(%(threads)s::text[], %(nss)s::text[], %(ids)s::text[]) AS d(thread_id, ns, id)
WHERE w.thread_id = d.thread_id AND w.checkpoint_ns = d.ns AND w.checkpoint_id = d.id
"""

# A kept checkpoint must not name a parent that is gone: it becomes the start of its history.
_UNLINK_PARENTS_SQL = """
UPDATE checkpoints c SET parent_checkpoint_id = NULL
FROM unnest(%(threads)s::text[], %(nss)s::text[], %(ids)s::text[]) AS d(thread_id, ns, id)
WHERE c.thread_id = d.thread_id AND c.checkpoint_ns = d.ns AND c.parent_checkpoint_id = d.id
"""

_REFERENCED_BLOBS_SQL = """
SELECT DISTINCT c.thread_id, c.checkpoint_ns, v.key AS channel, v.value AS version
FROM checkpoints c
CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') AS v
WHERE (c.thread_id, c.checkpoint_ns) IN (
    SELECT * FROM unnest(%(threads)s::text[], %(nss)s::text[])
)
"""

_DELETE_BLOBS_SQL = """
DELETE FROM checkpoint_blobs b USING unnest(
    %(threads)s::text[], %(nss)s::text[], %(channels)s::text[], %(versions)s::text[]
) AS g(thread_id, ns, channel, version)
WHERE b.thread_id = g.thread_id AND b.checkpoint_ns = g.ns
AND b.channel = g.channel AND b.version = g.version
"""

# What LangGraph's own prune looks for: a DeltaChannel leaves update counters in the metadata,
# or a snapshot, an inline `true` with a blob behind it (a plain `True` value has none).
_DELTA_THREADS_SQL = """
SELECT thread_id FROM checkpoints
WHERE thread_id = ANY(%(threads)s)
AND (metadata ? 'counters_since_delta_snapshot' OR metadata ? 'delta_writes_versioned')
UNION
SELECT c.thread_id FROM checkpoints c
CROSS JOIN LATERAL jsonb_each(c.checkpoint -> 'channel_values') AS v
WHERE c.thread_id = ANY(%(threads)s) AND v.value = 'true'::jsonb AND EXISTS (
    SELECT 1 FROM checkpoint_blobs b
    WHERE b.thread_id = c.thread_id AND b.checkpoint_ns = c.checkpoint_ns
    AND b.channel = v.key AND b.version = c.checkpoint -> 'channel_versions' ->> v.key
)
"""

_DELETE_THREADS_SQL = (
    "DELETE FROM checkpoints WHERE thread_id = ANY(%(threads)s)",
    "DELETE FROM checkpoint_blobs WHERE thread_id = ANY(%(threads)s)",
    "DELETE FROM checkpoint_writes WHERE thread_id = ANY(%(threads)s)",
)

_COPY_SQL = (
    """
    INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,
        type, checkpoint, metadata)
    SELECT %(target)s, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,
        CASE WHEN metadata ? 'thread_id'
            THEN jsonb_set(metadata, '{thread_id}', to_jsonb(%(label)s::text))
            ELSE metadata END
    FROM checkpoints WHERE thread_id = %(source)s
    """,
    """
    INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
    SELECT %(target)s, checkpoint_ns, channel, version, type, blob
    FROM checkpoint_blobs WHERE thread_id = %(source)s
    """,
    """
    INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx,
        channel, type, blob, task_path)
    SELECT %(target)s, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path
    FROM checkpoint_writes WHERE thread_id = %(source)s
    """,
)


def _ids(values: Sequence[str], name: str) -> list[str]:
    # A str is a Sequence[str] too; taken as one, it would be its characters.
    if isinstance(values, str):
        raise TypeError(f"{name} must be a sequence of ids, not a str")
    return [str(v) for v in values]


class AtriumCheckpointer(AsyncPostgresSaver):
    """`AsyncPostgresSaver` with LangGraph's optional maintenance methods, each one
    transaction; it passes `langgraph-checkpoint-conformance` (tests/agents)."""

    async def adelete_for_runs(
        self, run_ids: Sequence[str], *, thread_id: str | None = None
    ) -> None:
        """Delete the checkpoints the runs wrote (metadata `run_id`) in every namespace, their
        pending writes, and the channel values no remaining checkpoint refers to.

        `thread_id` confines the deletion to one thread (Atrium's rollback of one run).
        """
        runs = _ids(run_ids, "run_ids")
        if not runs:
            return
        async with self._transaction() as cur:
            if thread_id is None:
                await cur.execute(_DELETE_RUNS_SQL, {"runs": runs})
            else:
                await cur.execute(_DELETE_RUNS_OF_THREAD_SQL, {"runs": runs, "thread": thread_id})
            await _sweep(cur, await cur.fetchall())

    async def acopy_thread(
        self,
        source_thread_id: str,
        target_thread_id: str,
        *,
        metadata_thread_id: str | None = None,
    ) -> None:
        """Give the target the source's whole history: checkpoints, channel values and pending
        writes of every namespace. Metadata that names a thread (`thread_id`) names the target,
        as `metadata_thread_id` when given (Atrium's metadata holds the bare thread id, not the
        key). A row the target already has makes the copy fail, and then nothing is copied.
        """
        params = {
            "source": str(source_thread_id),
            "target": str(target_thread_id),
            "label": metadata_thread_id or str(target_thread_id),
        }
        async with self._transaction() as cur:
            for sql in _COPY_SQL:
                await cur.execute(sql, params)

    async def aprune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep: int = 1,
    ) -> None:
        """Prune the threads in one transaction. `"keep_latest"` keeps the newest `keep`
        checkpoints of each namespace and deletes the others, their pending writes and the
        channel values no kept checkpoint refers to; `"delete"` removes everything.

        Raises:
            TypeError: `thread_ids` is a single str.
            ValueError: unknown `strategy`, or `keep` below 1.
            NotImplementedError: `"keep_latest"` on a thread that uses a `DeltaChannel`.
        """
        threads = _ids(thread_ids, "thread_ids")
        if strategy not in PRUNE_STRATEGIES:
            raise ValueError(f"Unknown prune strategy: {strategy!r}")
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}; use strategy='delete'")
        if not threads:
            return
        params = {"threads": threads, "keep": keep}
        async with self._transaction() as cur:
            if strategy == "delete":
                for sql in _DELETE_THREADS_SQL:
                    await cur.execute(sql, params)
                return
            await cur.execute(_DELTA_THREADS_SQL, params)
            if delta := sorted(row["thread_id"] for row in await cur.fetchall()):
                raise NotImplementedError(
                    f"keep_latest can't prune threads that use a DeltaChannel: {', '.join(delta)}"
                )
            await cur.execute(_DELETE_ALL_BUT_NEWEST_SQL, params)
            await _sweep(cur, await cur.fetchall())

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncCursor[DictRow]]:
        async with self._cursor() as cur:
            if self.pipe:
                # In pipeline mode the transaction would take in what ran since the last sync.
                await self.pipe.sync()
            async with cur.connection.transaction():
                yield cur


async def _sweep(cur: AsyncCursor[DictRow], deleted: Sequence[DictRow]) -> None:
    """After checkpoints were deleted (rows with their `channel_versions`): delete their
    pending writes, unlink their children, and delete the channel values they used that no
    remaining checkpoint of their namespace uses."""
    if not deleted:
        return
    rows = {
        "threads": [r["thread_id"] for r in deleted],
        "nss": [r["checkpoint_ns"] for r in deleted],
        "ids": [r["checkpoint_id"] for r in deleted],
    }
    await cur.execute(_DELETE_WRITES_SQL, rows)
    await cur.execute(_UNLINK_PARENTS_SQL, rows)
    # Only blobs a deleted checkpoint used can become garbage; a blob no checkpoint refers to
    # yet may be one a run is saving right now (its blobs commit before its checkpoint).
    freed = {
        (r["thread_id"], r["checkpoint_ns"], channel, str(version))
        for r in deleted
        for channel, version in (r["versions"] or {}).items()
    }
    namespaces = sorted({(t, ns) for t, ns, _, _ in freed})
    await cur.execute(
        _REFERENCED_BLOBS_SQL,
        {"threads": [t for t, _ in namespaces], "nss": [ns for _, ns in namespaces]},
    )
    referenced = {
        (r["thread_id"], r["checkpoint_ns"], r["channel"], r["version"])
        for r in await cur.fetchall()
    }
    if garbage := sorted(freed - referenced):
        await cur.execute(
            _DELETE_BLOBS_SQL,
            {
                "threads": [g[0] for g in garbage],
                "nss": [g[1] for g in garbage],
                "channels": [g[2] for g in garbage],
                "versions": [g[3] for g in garbage],
            },
        )
