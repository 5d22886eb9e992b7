"""The chat pages: the thread list, a thread's messages (rendered and sanitised on the server),
and the fragment the page swaps in when a streamed answer ends."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.schemas import AssistantSearch
from atrium.kit.deps import SessionDep
from atrium.threads.dependencies import ThreadServiceDep
from atrium.threads.models import Thread
from atrium.threads.schemas import ThreadSearch
from atrium.web.pages import (
    page_router,
    render,
    thread_title,
)
from atrium.web.visitor import Visitor, VisitorDep

router = page_router()


def _messages(thread: Thread) -> list[dict[str, Any]]:
    """The thread's stored messages as the page shows them (text only; tools by name)."""
    shown: list[dict[str, Any]] = []
    for message in (thread.values or {}).get("messages", []) or []:
        if not isinstance(message, dict):
            continue
        kind = message.get("type")
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict)
            )
        text = str(content or "")
        if kind == "human":
            shown.append({"role": "user", "text": text})
        elif kind == "ai":
            calls = [str(c.get("name", "")) for c in message.get("tool_calls") or []]
            if text or calls:
                shown.append({"role": "assistant", "text": text, "tool_calls": calls})
        elif kind == "tool":
            shown.append({"role": "tool", "name": str(message.get("name") or "tool"), "text": text})
    return shown


def _pending(thread: Thread) -> list[dict[str, Any]]:
    """The tool calls a person must approve or reject before the run goes on."""
    pending: list[dict[str, Any]] = []
    for items in (thread.interrupts or {}).values():
        for item in items if isinstance(items, list) else []:
            value = item.get("value") if isinstance(item, dict) else None
            if isinstance(value, dict):
                pending.append(value)
    return pending


async def _chat_page(
    request: Request,
    visitor: Visitor,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    current: Thread | None,
    q: str,
) -> Response:
    listed = await threads.search(
        session=session,
        auth=visitor.auth,
        query=ThreadSearch(limit=100, sort_by="updated_at", sort_order="desc"),
    )
    needle = q.strip().casefold()
    rows = [(t, thread_title(t)) for t in listed if needle in thread_title(t).casefold()]
    found, _ = await assistants.search(
        session=session, auth=visitor.auth, query=AssistantSearch(limit=100, sort_by="name")
    )
    return render(
        request,
        "chat.html",
        visitor,
        threads=rows,
        q=q,
        assistants=found,
        current=current,
        title=thread_title(current) if current else None,
        messages=_messages(current) if current else [],
        pending=_pending(current) if current else [],
    )


@router.get("/app/chat")
async def chat(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    q: str = "",
) -> Response:
    return await _chat_page(request, visitor, session, threads, assistants, None, q)


@router.get("/app/chat/{thread_id}")
async def chat_thread(
    thread_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    threads: ThreadServiceDep,
    assistants: AssistantServiceDep,
    q: str = "",
) -> Response:
    thread = await threads.get(session=session, auth=visitor.auth, ref=thread_id)
    return await _chat_page(request, visitor, session, threads, assistants, thread, q)


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
    return render(
        request,
        "_messages.html",
        visitor,
        current=thread,
        messages=_messages(thread),
        pending=_pending(thread),
    )
