"""Threads: a tenant's conversations. Members see their own threads, owners and admins see
every thread of the tenant. Checkpoints are touched only after the thread row (guarded by
row-level security) proves the thread is the caller's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.agents.runtime import AgentRuntime, jsonable, state_json, thread_config
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, may, owner_filter, require
from atrium.kit.db import Database, after_commit
from atrium.kit.errors import BadRequest, Conflict, NotFound
from atrium.kit.models import utcnow
from atrium.projects.service import ProjectService
from atrium.threads.models import Thread
from atrium.threads.repository import thread_repository
from atrium.threads.schemas import (
    CheckpointPublic,
    HistoryQuery,
    StateUpdate,
    StateUpdatePublic,
    ThreadCount,
    ThreadCreate,
    ThreadSearch,
    ThreadStatePublic,
    ThreadStatus,
    ThreadUpdate,
)

# How many checkpoints `fork_points` reads: a few per turn, so a thread's last few hundred
# turns can be edited.
_FORK_HISTORY = 1000


def parse_thread_id(ref: str | uuid.UUID) -> uuid.UUID:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        raise NotFound("Thread not found") from None


def _owner_filter(auth: AuthContext) -> uuid.UUID | None:
    """The user whose threads the caller may see, or None for all of the tenant's."""
    return owner_filter(auth, Resource.threads, Action.read)


class ThreadDeleted(Protocol):
    """What else goes with a deleted thread (its uploaded files' stored objects), called in
    the deleting transaction, before the thread's row goes."""

    async def __call__(
        self, session: AsyncSession, *, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> None: ...


class ThreadService:
    def __init__(
        self,
        *,
        db: Database,
        agents: AgentRuntime,
        projects: ProjectService,
        on_delete: Sequence[ThreadDeleted] = (),
    ) -> None:
        self._db, self._agents, self._projects = db, agents, projects
        self._on_delete = tuple(on_delete)

    async def create(
        self, *, session: AsyncSession, auth: AuthContext, data: ThreadCreate
    ) -> Thread:
        """A new thread, the caller's own (or the calling key's creator's)."""
        require(auth, Resource.threads, Action.create)
        thread_id = data.thread_id or uuid.uuid4()
        existing = await thread_repository.get(
            session, tenant_id=auth.tenant_id, thread_id=thread_id
        )
        if existing is not None:
            if data.if_exists == "do_nothing" and self._visible(auth, existing):
                return existing
            raise Conflict(f"Thread {thread_id} already exists", field="thread_id")
        project_id = await self._projects.assignable(
            session=session, auth=auth, project_id=data.project_id
        )
        thread = Thread(
            tenant_id=auth.tenant_id,
            id=thread_id,
            user_id=auth.user_id,
            project_id=project_id,
            status=ThreadStatus.idle,
            metadata_=data.metadata or {},
            values=None,
            interrupts={},
            error=None,
        )
        try:
            async with session.begin_nested():
                await thread_repository.add(session, thread)
        except IntegrityError as exc:
            raise Conflict(f"Thread {thread_id} already exists", field="thread_id") from exc
        return thread

    @staticmethod
    def _visible(auth: AuthContext, thread: Thread) -> bool:
        # Reading and changing a thread (and its runs) reach the same rows in the table
        # (tests/auth/test_permissions.py holds them so), so one check serves both; what a
        # caller may not see answers 404.
        return may(auth, Resource.threads, Action.read, owner_id=thread.user_id)

    @staticmethod
    def visible_owner(auth: AuthContext) -> uuid.UUID | None:
        """The user whose threads (and the runs on them) the caller may see, or None for all
        of the tenant's: for queries over rows that hang off threads."""
        return _owner_filter(auth)

    async def visible_ids(
        self, *, session: AsyncSession, auth: AuthContext, thread_ids: set[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `thread_ids` the caller may see (and act on the runs of)."""
        owner = _owner_filter(auth)
        if owner is None or not thread_ids:
            return thread_ids
        return await thread_repository.owned_ids(
            session, tenant_id=auth.tenant_id, user_id=owner, thread_ids=thread_ids
        )

    async def get(
        self, *, session: AsyncSession, auth: AuthContext, ref: str | uuid.UUID, lock: bool = False
    ) -> Thread:
        thread = await thread_repository.get(
            session, tenant_id=auth.tenant_id, thread_id=parse_thread_id(ref), lock=lock
        )
        if thread is None or not self._visible(auth, thread):
            raise NotFound("Thread not found")
        return thread

    async def get_any(
        self, *, session: AsyncSession, tenant_id: uuid.UUID, thread_id: uuid.UUID
    ) -> Thread | None:
        """A thread of the tenant in context, whoever owns it (for workers and internals)."""
        return await thread_repository.get(session, tenant_id=tenant_id, thread_id=thread_id)

    async def update(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, data: ThreadUpdate
    ) -> Thread:
        thread = await self.get(session=session, auth=auth, ref=ref, lock=True)
        if data.metadata:
            thread.metadata_ = {**thread.metadata_, **data.metadata}
        if "project_id" in data.model_fields_set:
            thread.project_id = await self._projects.assignable(
                session=session, auth=auth, project_id=data.project_id
            )
        thread.updated_at = utcnow()
        await session.flush()
        return thread

    async def delete(self, *, session: AsyncSession, auth: AuthContext, ref: str) -> None:
        """Delete the thread; its checkpoints go once the deletion is committed (until then
        they are unreachable anyway: every checkpoint read starts from the thread's row)."""
        thread = await self.get(session=session, auth=auth, ref=ref, lock=True)
        tenant_id, thread_id = auth.tenant_id, thread.id
        for hook in self._on_delete:
            await hook(session, tenant_id=tenant_id, thread_id=thread_id)
        await thread_repository.delete(session, tenant_id=tenant_id, thread_id=thread_id)

        async def forget_checkpoints() -> None:
            await self._agents.delete_thread(tenant_id, thread_id)

        after_commit(session, forget_checkpoints, name="threads.delete_checkpoints")

    async def delete_temporary(self, *, tenant_id: uuid.UUID, thread_id: uuid.UUID) -> None:
        """Remove the temporary thread of a finished stateless run, with its checkpoints."""
        async with self._db.transaction(tenant_id=tenant_id) as session:
            for hook in self._on_delete:
                await hook(session, tenant_id=tenant_id, thread_id=thread_id)
            await thread_repository.delete(session, tenant_id=tenant_id, thread_id=thread_id)
        await self._agents.delete_thread(tenant_id, thread_id)

    async def search(
        self, *, session: AsyncSession, auth: AuthContext, query: ThreadSearch
    ) -> list[Thread]:
        return await thread_repository.search(
            session,
            tenant_id=auth.tenant_id,
            user_id=_owner_filter(auth),
            metadata=query.metadata,
            values=query.values,
            status=query.status,
            ids=query.ids,
            project_id=query.project_id,
            limit=query.limit,
            offset=query.offset,
            sort_by=query.sort_by or "created_at",
            descending=(query.sort_order or "desc") == "desc",
        )

    async def find_text(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        text: str,
        limit: int = 50,
        project_id: uuid.UUID | None = None,
    ) -> list[Thread]:
        """The caller's visible threads (in `project_id`, if given) whose title or messages
        contain `text` (case insensitive, taken literally: `%` and `_` match only
        themselves), newest first."""
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return await thread_repository.find_text(
            session,
            tenant_id=auth.tenant_id,
            user_id=_owner_filter(auth),
            pattern=f"%{escaped}%",
            limit=max(1, min(limit, 200)),
            project_id=project_id,
        )

    async def count(self, *, session: AsyncSession, auth: AuthContext, query: ThreadCount) -> int:
        return await thread_repository.count(
            session,
            tenant_id=auth.tenant_id,
            user_id=_owner_filter(auth),
            metadata=query.metadata,
            values=query.values,
            status=query.status,
            project_id=query.project_id,
        )

    async def copy(self, *, auth: AuthContext, ref: str) -> Thread:
        """A new thread with the source's metadata, state and whole checkpoint history.

        In a transaction of its own, because the checkpoints are copied before the new row
        commits (a copy must not appear without its history) and are deleted again if the
        commit fails."""
        copy_id = uuid.uuid4()
        try:
            async with self._db.transaction(tenant_id=auth.tenant_id) as session:
                source = await self.get(session=session, auth=auth, ref=ref)
                # Unreachable until the row below commits: reads start from the thread row.
                await self._agents.copy_thread(auth.tenant_id, source.id, copy_id)
                interrupted = source.status == ThreadStatus.interrupted
                # The copy stays in the source's project (held until this commits).
                project_id = await self._projects.assignable(
                    session=session, auth=auth, project_id=source.project_id
                )
                copy = Thread(
                    tenant_id=auth.tenant_id,
                    id=copy_id,
                    user_id=auth.user_id,
                    project_id=project_id,
                    # A copy of an interrupted thread can be resumed: its checkpoints come too.
                    status=(ThreadStatus.interrupted if interrupted else ThreadStatus.idle),
                    metadata_=dict(source.metadata_),
                    values=source.values,
                    interrupts=dict(source.interrupts) if interrupted else {},
                    error=None,
                )
                await thread_repository.add(session, copy)
        except BaseException:
            await self._agents.delete_thread(auth.tenant_id, copy_id)
            raise
        return copy

    async def state(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        ref: str,
        checkpoint_id: str | None = None,
    ) -> ThreadStatePublic:
        thread = await self.get(session=session, auth=auth, ref=ref)
        snapshot = await self._agents.state(auth.tenant_id, thread.id, checkpoint_id)
        if checkpoint_id and snapshot.created_at is None:  # LangGraph's snapshot of nothing
            raise NotFound("Checkpoint not found")
        return ThreadStatePublic.model_validate(state_json(thread.id, snapshot))

    async def has_checkpoint(self, *, thread: Thread, checkpoint_id: str) -> bool:
        """Whether the thread (already proved the caller's) has this checkpoint."""
        snapshot = await self._agents.state(thread.tenant_id, thread.id, checkpoint_id)
        return snapshot.created_at is not None  # LangGraph's snapshot of nothing has no date

    async def fork_points(self, *, thread: Thread) -> dict[int, str]:
        """For the thread (already proved the caller's): index of a human message in its
        current messages -> the checkpoint a run starts from to replace that message and all
        after it (a new branch). Found on the current branch, walking from the newest
        checkpoint to the first; a message with no such checkpoint has no entry."""
        snapshots: dict[str, Any] = {}
        head: str | None = None
        async for snapshot in self._agents.graph.aget_state_history(
            thread_config(thread.tenant_id, thread.id), limit=_FORK_HISTORY
        ):
            checkpoint_id = snapshot.config["configurable"]["checkpoint_id"]
            snapshots[checkpoint_id] = snapshot
            head = head or checkpoint_id
        # messages count -> (checkpoint at a turn's end, checkpoint awaiting its input)
        ends: dict[int, str] = {}
        starts: dict[int, str] = {}
        current = head
        while current is not None and current in snapshots:
            snapshot = snapshots[current]
            count = len((snapshot.values or {}).get("messages") or [])
            if not snapshot.next:
                ends.setdefault(count, current)
            elif "__start__" in snapshot.next:
                starts.setdefault(count, current)
            parent = snapshot.parent_config
            current = parent["configurable"].get("checkpoint_id") if parent else None
        messages = (thread.values or {}).get("messages") or []
        points: dict[int, str] = {}
        for index, message in enumerate(messages):
            if isinstance(message, dict) and message.get("type") == "human":
                point = ends.get(index) or starts.get(index)
                if point is not None:
                    points[index] = point
        return points

    async def fork_point(self, *, thread: Thread, index: int) -> str | None:
        """`fork_points` for one message: None when it is not a human message or its
        checkpoint is no longer kept."""
        return (await self.fork_points(thread=thread)).get(index)

    async def update_state(
        self, *, auth: AuthContext, ref: str, data: StateUpdate
    ) -> StateUpdatePublic:
        """Write values into the thread's state as if `as_node` had returned them.

        In a transaction of its own that holds the thread's lock while the checkpoint is
        written; if the thread's row cannot be committed, the checkpoint is removed again
        (it carries a one-off `run_id`, so the rollback finds exactly it)."""
        update_id = uuid.uuid4()
        thread_id: uuid.UUID | None = None
        try:
            async with self._db.transaction(tenant_id=auth.tenant_id) as session:
                thread = await self.get(session=session, auth=auth, ref=ref, lock=True)
                if thread.status == ThreadStatus.busy:
                    raise Conflict("The thread has a run in progress")
                checkpoint_id = data.checkpoint_id or (data.checkpoint or {}).get("checkpoint_id")
                config = thread_config(auth.tenant_id, thread.id, checkpoint_id)
                config["metadata"] = {"run_id": str(update_id)}
                try:
                    new_config = await self._agents.graph.aupdate_state(
                        config, data.values, as_node=data.as_node or "model"
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    raise BadRequest(f"Cannot update the state: {exc}", field="values") from exc
                thread_id = thread.id
                snapshot = await self._agents.state(auth.tenant_id, thread.id)
                thread.values = jsonable(snapshot.values)
                thread.updated_at = utcnow()
        except BaseException:
            if thread_id is not None:
                await self._agents.rollback(auth.tenant_id, thread_id, update_id)
            raise
        checkpoint = CheckpointPublic(
            thread_id=str(thread_id),
            checkpoint_ns="",
            checkpoint_id=new_config["configurable"].get("checkpoint_id"),
        )
        return StateUpdatePublic(
            checkpoint=checkpoint, configurable=checkpoint, checkpoint_id=checkpoint.checkpoint_id
        )

    async def history(
        self, *, session: AsyncSession, auth: AuthContext, ref: str, query: HistoryQuery
    ) -> list[ThreadStatePublic]:
        thread = await self.get(session=session, auth=auth, ref=ref)
        before = query.before
        before_config = None
        if before:
            before_id = before if isinstance(before, str) else before.get("checkpoint_id")
            before_config = thread_config(auth.tenant_id, thread.id, before_id)
        states = []
        async for snapshot in self._agents.graph.aget_state_history(
            thread_config(auth.tenant_id, thread.id),
            filter=query.metadata or None,
            before=before_config,
            limit=query.limit,
        ):
            states.append(ThreadStatePublic.model_validate(state_json(thread.id, snapshot)))
        return states
