"""Batch writers that one bad row cannot stop.

The usage recorder and the run events sink store the rows of every tenant of a process
together. A row the database refuses (text it cannot hold, a value out of range) must not
fail the batch it came in forever, nor the batches after it: the rows of a failed batch are
stored again in halves, down to the rows that fail alone, which are set aside. A failure that
is not the rows' fault (the database is unreachable) leaves them all to be tried again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import psycopg
import sqlalchemy.exc
from prometheus_client import Counter

from atrium.kit.logging import get_logger

T = TypeVar("T")

ROWS_REJECTED = Counter(
    "atrium_batch_rows_rejected_total",
    "Rows a batch writer set aside because the database refused them alone",
    ["writer"],
)
ROWS_DROPPED = Counter(
    "atrium_batch_rows_dropped_total",
    "Rows a batch writer dropped without trying to store them: its queue was full, or the "
    "database could not be reached at shutdown",
    ["writer", "reason"],
)

_log = get_logger("atrium.batches")
# A full queue drops every row offered until it drains: one log line per this many seconds.
_DROP_LOG_SECONDS = 10.0


def is_row_error(exc: BaseException) -> bool:
    """Whether storing failed because of the rows themselves (storing them again cannot
    help), rather than the database being unreachable or busy."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        if exc.connection_invalidated:
            return False
        return isinstance(exc.orig, psycopg.DataError | psycopg.IntegrityError)
    if isinstance(exc, sqlalchemy.exc.StatementError):  # raised while binding the parameters
        return exc.orig is not None and is_row_error(exc.orig)
    # psycopg refuses NUL in text and unencodable text before sending anything
    return isinstance(exc, psycopg.DataError | ValueError | TypeError | OverflowError)


@dataclass
class Isolation(Generic[T]):
    """Stores `items` with `store` (one transaction per call), halving a part that fails
    because of its rows until the rows that fail alone are found. Whatever is not yet stored
    when a failure of another kind (or a cancellation) stops it stays in `unstored()`."""

    items: Sequence[T]
    rejected: list[tuple[T, BaseException]] = field(default_factory=list)
    _parts: list[list[T]] = field(default_factory=list)
    _current: list[T] = field(default_factory=list)

    async def run(self, store: Callable[[list[T]], Awaitable[None]]) -> None:
        self._parts = [list(self.items)] if self.items else []
        while self._parts:
            self._current = self._parts.pop()
            try:
                await store(self._current)
            except Exception as exc:
                if not is_row_error(exc):
                    raise
                if len(self._current) == 1:
                    self.rejected.append((self._current[0], exc))
                else:
                    middle = len(self._current) // 2
                    # the first half is tried first, so rows keep their order
                    self._parts.append(self._current[middle:])
                    self._parts.append(self._current[:middle])
            self._current = []

    def unstored(self) -> list[T]:
        """The items neither stored nor rejected, in their order."""
        return self._current + [item for part in reversed(self._parts) for item in part]


class DropLog:
    """Counts the rows a writer drops and logs them, at most once per few seconds."""

    def __init__(self, writer: str) -> None:
        self._writer = writer
        self._since_log = 0
        self._logged_at = 0.0

    def dropped(self, reason: str, count: int = 1) -> None:
        ROWS_DROPPED.labels(self._writer, reason).inc(count)
        self._since_log += count
        now = time.monotonic()
        if reason != "queue_full" or now - self._logged_at >= _DROP_LOG_SECONDS:
            _log.error(
                "batch_rows_dropped", writer=self._writer, reason=reason, rows=self._since_log
            )
            self._since_log, self._logged_at = 0, now


def rejected(writer: str, error: BaseException, **context: object) -> None:
    """Counts and logs a row set aside. Only the error's type and SQLSTATE are logged: the
    messages quote the row, which is a tenant's content."""
    cause = error.orig if isinstance(error, sqlalchemy.exc.StatementError) else error
    ROWS_REJECTED.labels(writer).inc()
    _log.error(
        "batch_row_rejected",
        writer=writer,
        error_type=type(cause).__name__,
        sqlstate=getattr(cause, "sqlstate", None),
        **context,
    )
