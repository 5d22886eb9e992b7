"""SQL on LangGraph's checkpoint tables that its saver does not offer (rollback of one run).
Callers have already proved the thread is the caller's; keys are `<tenant>:<thread>`."""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool


async def delete_run_checkpoints(pool: AsyncConnectionPool[Any], key: str, run_id: str) -> int:
    async with pool.connection() as conn:
        cursor = await conn.execute(
            "DELETE FROM checkpoints WHERE thread_id = %s AND metadata->>'run_id' = %s "
            "RETURNING checkpoint_id",
            (key, run_id),
        )
        ids = [row["checkpoint_id"] for row in await cursor.fetchall()]
        if ids:
            await conn.execute(
                "DELETE FROM checkpoint_writes WHERE thread_id = %s AND checkpoint_id = ANY(%s)",
                (key, ids),
            )
        return len(ids)


async def copy_thread(
    pool: AsyncConnectionPool[Any], source: str, target: str, thread_id: str
) -> int:
    """Copy a thread's whole checkpoint history (checkpoints, channel values and pending
    writes) under a new key, in one transaction; metadata naming the old thread names the
    new one (`thread_id`)."""
    async with pool.connection() as conn, conn.transaction():
        cursor = await conn.execute(
            "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id,"
            "  parent_checkpoint_id, type, checkpoint, metadata)"
            " SELECT %(target)s, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type,"
            "  checkpoint, CASE WHEN metadata ? 'thread_id'"
            "   THEN jsonb_set(metadata, '{thread_id}', to_jsonb(%(thread)s::text))"
            "   ELSE metadata END"
            " FROM checkpoints WHERE thread_id = %(source)s",
            {"source": source, "target": target, "thread": thread_id},
        )
        copied = int(cursor.rowcount)
        await conn.execute(
            "INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)"
            " SELECT %(target)s, checkpoint_ns, channel, version, type, blob"
            " FROM checkpoint_blobs WHERE thread_id = %(source)s",
            {"source": source, "target": target},
        )
        await conn.execute(
            "INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id,"
            "  idx, channel, type, blob, task_path)"
            " SELECT %(target)s, checkpoint_ns, checkpoint_id, task_id, idx, channel, type,"
            "  blob, task_path FROM checkpoint_writes WHERE thread_id = %(source)s",
            {"source": source, "target": target},
        )
        return copied


async def keep_latest(pool: AsyncConnectionPool[Any], key: str, keep: int) -> int:
    """Delete all but the newest `keep` checkpoints of a thread, their pending writes, and
    the channel values no remaining checkpoint refers to."""
    async with pool.connection() as conn, conn.transaction():
        cursor = await conn.execute(
            "DELETE FROM checkpoints WHERE thread_id = %(key)s AND checkpoint_id NOT IN ("
            "  SELECT checkpoint_id FROM checkpoints WHERE thread_id = %(key)s"
            "  ORDER BY checkpoint_id DESC LIMIT %(keep)s) RETURNING checkpoint_id",
            {"key": key, "keep": keep},
        )
        ids = [row["checkpoint_id"] for row in await cursor.fetchall()]
        if not ids:
            return 0
        await conn.execute(
            "DELETE FROM checkpoint_writes WHERE thread_id = %s AND checkpoint_id = ANY(%s)",
            (key, ids),
        )
        await conn.execute(
            "DELETE FROM checkpoint_blobs b WHERE b.thread_id = %s AND NOT EXISTS ("
            "  SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id"
            "  AND c.checkpoint_ns = b.checkpoint_ns"
            "  AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)",
            (key,),
        )
        return len(ids)
