"""Fire-and-forget work that must still finish before a graceful shutdown completes."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from atrium.kit.logging import get_logger

_log = get_logger("atrium.background")


class BackgroundWork:
    """The process's fire-and-forget tasks (not Starlette's per-response `BackgroundTasks`)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("background_task_failed", task=task.get_name(), exc_info=task.exception())

    async def drain(self, grace_seconds: float = 30.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)
