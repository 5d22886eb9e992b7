"""HTTP for threads, shaped like LangGraph's Agent Server."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse

from atrium.auth.dependencies import AuthDep, BriefAuthDep
from atrium.kit.deps import SessionDep
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.models import Thread
from atrium.threads.schemas import (
    CheckpointQuery,
    HistoryQuery,
    StateUpdate,
    StateUpdatePublic,
    ThreadCount,
    ThreadCreate,
    ThreadPublic,
    ThreadSearch,
    ThreadSearchItemPublic,
    ThreadStatePublic,
    ThreadUpdate,
)

router = APIRouter(prefix="/threads", tags=["threads"])


def public(t: Thread) -> ThreadPublic:
    return ThreadPublic(
        thread_id=t.id,
        created_at=t.created_at,
        updated_at=t.updated_at,
        state_updated_at=t.updated_at,
        metadata=t.metadata_,
        status=t.status,
        config={},
        values=t.values,
        interrupts=t.interrupts or {},
        error=t.error,
        project_id=t.project_id,
    )


@router.post("")
async def create_thread(
    data: ThreadCreate, auth: AuthDep, session: SessionDep, thread_service: ThreadServiceDep
) -> ThreadPublic:
    """Start a thread (a conversation)."""
    return public(await thread_service.create(session=session, auth=auth, data=data))


@router.post("/search", response_model=list[ThreadSearchItemPublic])
async def search_threads(
    query: ThreadSearch, auth: AuthDep, session: SessionDep, thread_service: ThreadServiceDep
) -> JSONResponse:
    """Threads the caller can see, filtered by metadata, values, status or ids."""
    rows = await thread_service.search(session=session, auth=auth, query=query)
    items: list[dict[str, Any]] = [public(t).model_dump(mode="json") for t in rows]
    if query.select:
        items = [{k: v for k, v in item.items() if k in query.select} for item in items]
    return JSONResponse(items)


@router.post("/count")
async def count_threads(
    query: ThreadCount, auth: AuthDep, session: SessionDep, thread_service: ThreadServiceDep
) -> int:
    """How many threads match."""
    return await thread_service.count(session=session, auth=auth, query=query)


@router.get("/{thread_id}")
async def get_thread(
    thread_id: str, auth: AuthDep, session: SessionDep, thread_service: ThreadServiceDep
) -> ThreadPublic:
    """One thread."""
    return public(await thread_service.get(session=session, auth=auth, ref=thread_id))


@router.patch(
    "/{thread_id}",
    response_model=None,
    responses={
        200: {"model": ThreadPublic, "description": "The updated thread"},
        204: {"description": "Updated (with `Prefer: return=minimal`)"},
    },
)
async def update_thread(
    thread_id: str,
    data: ThreadUpdate,
    auth: AuthDep,
    session: SessionDep,
    thread_service: ThreadServiceDep,
    prefer: Annotated[str | None, Header()] = None,
) -> ThreadPublic | Response:
    """Merge metadata into a thread, or move it to a project (`project_id`; `null` for
    none)."""
    thread = await thread_service.update(session=session, auth=auth, ref=thread_id, data=data)
    if prefer and "return=minimal" in prefer:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return public(thread)


@router.delete("/{thread_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_thread(
    thread_id: str, auth: AuthDep, session: SessionDep, thread_service: ThreadServiceDep
) -> Response:
    """Delete a thread, its runs and its checkpoints."""
    await thread_service.delete(session=session, auth=auth, ref=thread_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{thread_id}/copy")
async def copy_thread(
    thread_id: str, auth: BriefAuthDep, thread_service: ThreadServiceDep
) -> ThreadPublic:
    """A new thread holding this thread's metadata, state and whole checkpoint history."""
    return public(await thread_service.copy(auth=auth, ref=thread_id))


@router.get("/{thread_id}/state")
async def get_state(
    thread_id: str,
    auth: AuthDep,
    session: SessionDep,
    thread_service: ThreadServiceDep,
    subgraphs: Annotated[bool, Query()] = False,
) -> ThreadStatePublic:
    """The thread's current state (from its latest checkpoint)."""
    return await thread_service.state(session=session, auth=auth, ref=thread_id)


@router.post("/{thread_id}/state")
async def update_state(
    thread_id: str,
    data: StateUpdate,
    auth: BriefAuthDep,
    thread_service: ThreadServiceDep,
) -> StateUpdatePublic:
    """Write values into the thread's state, as if `as_node` had returned them."""
    return await thread_service.update_state(auth=auth, ref=thread_id, data=data)


@router.post("/{thread_id}/state/checkpoint")
async def get_state_at_checkpoint_body(
    thread_id: str,
    query: CheckpointQuery,
    auth: AuthDep,
    session: SessionDep,
    thread_service: ThreadServiceDep,
) -> ThreadStatePublic:
    """The state at a given checkpoint."""
    return await thread_service.state(
        session=session,
        auth=auth,
        ref=thread_id,
        checkpoint_id=query.checkpoint.get("checkpoint_id"),
    )


@router.get("/{thread_id}/state/{checkpoint_id}")
async def get_state_at_checkpoint(
    thread_id: str,
    checkpoint_id: str,
    auth: AuthDep,
    session: SessionDep,
    thread_service: ThreadServiceDep,
    subgraphs: Annotated[bool, Query()] = False,
) -> ThreadStatePublic:
    """The state at a given checkpoint."""
    return await thread_service.state(
        session=session, auth=auth, ref=thread_id, checkpoint_id=checkpoint_id
    )


@router.post("/{thread_id}/history")
async def get_history(
    thread_id: str,
    query: HistoryQuery,
    auth: AuthDep,
    session: SessionDep,
    thread_service: ThreadServiceDep,
) -> list[ThreadStatePublic]:
    """Past states of the thread, newest first."""
    return await thread_service.history(session=session, auth=auth, ref=thread_id, query=query)
