"""The chat pages: the thread list (searched by title and message text), a thread's messages
(rendered and sanitised on the server), the fragment the page swaps in when a streamed answer
ends, the thread's exports and the download of a file attached to it."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.schemas import AssistantSearch
from atrium.gateway.service import GatewayService
from atrium.kit.deps import SessionDep, provided
from atrium.kit.errors import NotFound
from atrium.knowledge.dependencies import KnowledgeServiceDep
from atrium.projects.dependencies import ProjectServiceDep
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.models import Thread
from atrium.threads.schemas import ThreadSearch, ThreadStatus
from atrium.threads.service import parse_thread_id
from atrium.web import transcript
from atrium.web.pages import page_id, page_router, render, thread_title
from atrium.web.scope import ProjectScope, project_scope
from atrium.web.visitor import Visitor, VisitorDep

router = page_router()

GatewayServiceDep = Annotated[GatewayService, Depends(provided("gateway_service"))]

# How many chats the list shows, and how many a search by text returns.
LIST_LIMIT = 100
SEARCH_LIMIT = 50
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


def _download(body: bytes | str, media_type: str, name: str) -> Response:
    """A download the browser saves and never renders or sniffs."""
    ascii_name = _UNSAFE_NAME.sub("_", name).strip(". ")[:150] or "download"
    return Response(
        content=body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _conversation(thread: Thread) -> dict[str, Any]:
    """What `_messages.html` shows of a thread. Edit and Regenerate name a message by its
    index; its checkpoint is looked up only when one is clicked (`fork_point`)."""
    shown = transcript.messages(thread)
    idle = thread.status == ThreadStatus.idle
    users = [m for m in shown if m.role == "user"]
    last_user = users[-1] if users else None
    # Regenerate the last answer: send its question again from the checkpoint before it.
    regenerate = (
        {"index": last_user.index, "text": last_user.text}
        if last_user is not None and shown[-1].role == "assistant" and idle
        else None
    )
    return {
        "current": thread,
        "messages": shown,
        "pending": transcript.pending(thread),
        "editable": thread.status != ThreadStatus.busy,
        "regenerate": regenerate,
    }


async def _chat_page(
    request: Request,
    visitor: Visitor,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    gateway: GatewayService,
    knowledge: KnowledgeServiceDep,
    current: Thread | None,
    q: str,
    scope: ProjectScope,
) -> Response:
    needle = q.strip()[:200]
    if needle:
        listed = await threads.find_text(
            session=session,
            auth=visitor.auth,
            text=needle,
            limit=SEARCH_LIMIT,
            project_id=scope.project_id,
        )
    else:
        listed = await threads.search(
            session=session,
            auth=visitor.auth,
            query=ThreadSearch(
                limit=LIST_LIMIT,
                sort_by="updated_at",
                sort_order="desc",
                project_id=scope.project_id,
            ),
        )
    found, _ = await assistants.search(
        session=session, auth=visitor.auth, query=AssistantSearch(limit=100, sort_by="name")
    )
    models = await gateway.offered_models(session=session, auth=visitor.auth)
    conversation = (
        _conversation(current)
        if current
        else {"current": None, "messages": [], "pending": [], "editable": False, "regenerate": None}
    )
    files = (
        await knowledge.list_files(session=session, auth=visitor.auth, thread_id=current.id)
        if current
        else []
    )
    return render(
        request,
        "chat.html",
        visitor,
        threads=[(t, thread_title(t)) for t in listed],
        q=q,
        assistants=found,
        models=models,
        files=files,
        scope=scope,
        title=thread_title(current) if current else None,
        **conversation,
    )


@router.get("/app/chat")
async def chat(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    gateway: GatewayServiceDep,
    knowledge: KnowledgeServiceDep,
    projects: ProjectServiceDep,
    q: str = "",
    project: str = "",
) -> Response:
    scope = await project_scope(session=session, auth=visitor.auth, projects=projects, raw=project)
    return await _chat_page(
        request, visitor, session, threads, assistants, gateway, knowledge, None, q, scope
    )


@router.get("/app/chat/{thread_id}")
async def chat_thread(
    thread_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    gateway: GatewayServiceDep,
    knowledge: KnowledgeServiceDep,
    projects: ProjectServiceDep,
    q: str = "",
    project: str = "",
) -> Response:
    scope = await project_scope(session=session, auth=visitor.auth, projects=projects, raw=project)
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    return await _chat_page(
        request, visitor, session, threads, assistants, gateway, knowledge, thread, q, scope
    )


@router.get("/app/chat/{thread_id}/messages")
async def chat_messages(
    thread_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
) -> Response:
    """The stored messages, rendered on the server: the page swaps this in when a streamed
    answer ends, so model text is never turned into HTML in the browser."""
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    conversation = _conversation(thread)
    return render(request, "_messages.html", visitor, **conversation)


@router.get("/app/chat/{thread_id}/fork-point")
async def fork_point(
    thread_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    index: str = "",
) -> JSONResponse:
    """The checkpoint a run starts from to replace the thread's message `index` (a human
    message; without it, the last question: Regenerate's) and all after it. Asked for when
    Edit or Regenerate is clicked: walking a thread's checkpoints costs more than the page."""
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    if index:
        if not index.isdigit() or len(index) > 6:
            raise NotFound("No such message in this chat")
        position = int(index)
    else:
        questions = [m.index for m in transcript.messages(thread) if m.role == "user"]
        if not questions:
            raise NotFound("This chat has no question to answer again")
        position = questions[-1]
    checkpoint_id = await threads.fork_point(thread=thread, index=position)
    if checkpoint_id is None:
        raise NotFound("This message is too old to edit: its checkpoint is no longer kept")
    return JSONResponse({"checkpoint_id": checkpoint_id})


@router.get("/app/chat/{thread_id}/export.md")
async def export_markdown(
    thread_id: str, visitor: VisitorDep, session: SessionDep, threads: ThreadServiceDep
) -> Response:
    """The chat as a Markdown file (a download: nothing in it becomes HTML here)."""
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    title = thread_title(thread)
    body = transcript.as_markdown(thread, title)
    return _download(body, "text/markdown; charset=utf-8", f"{title}.md")


@router.get("/app/chat/{thread_id}/export.json")
async def export_json(
    thread_id: str, visitor: VisitorDep, session: SessionDep, threads: ThreadServiceDep
) -> Response:
    """The chat as JSON: each message's role, text, tool calls and citations."""
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    title = thread_title(thread)
    body = json.dumps(transcript.as_json(thread, title), ensure_ascii=False, indent=2)
    return _download(body, "application/json", f"{title}.json")


@router.get("/app/chat/{thread_id}/files/{thread_file_id}/content")
async def thread_file(
    thread_id: str,
    thread_file_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    knowledge: KnowledgeServiceDep,
) -> Response:
    """A file attached to the chat, as uploaded (the link a citation of it points to)."""
    file_uuid = page_id(thread_file_id, "File not found")
    row, data = await knowledge.content(
        session=session, auth=visitor.auth, thread_id=parse_thread_id(thread_id), file_id=file_uuid
    )
    return _download(data, "application/octet-stream", row.name)
