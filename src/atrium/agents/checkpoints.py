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
