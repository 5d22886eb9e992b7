"""Wake-ups for stream readers when a run has new events.

Events themselves live in PostgreSQL (run_events), so a reader on any process can resume
from any id; this bus only shortens the wait. In one process it is an asyncio signal;
readers elsewhere fall back to a short poll.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict


class RunBus:
    def __init__(self) -> None:
        self._waiters: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)

    def notify(self, run_id: uuid.UUID) -> None:
        for event in self._waiters.get(run_id, ()):
            event.set()

    async def wait(self, run_id: uuid.UUID, seconds: float) -> None:
        event = asyncio.Event()
        self._waiters[run_id].add(event)
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(run_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[run_id]
