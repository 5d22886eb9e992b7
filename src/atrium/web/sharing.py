"""The page a thread's share link opens: the thread's title and messages, read-only, for any
signed-in member of the link's tenant (through `ShareService.open`, as `GET /shares/{id}`)."""

from __future__ import annotations

from fastapi import Request, Response

from atrium.kit.deps import SessionDep
from atrium.threads.dependencies import ShareServiceDep
from atrium.web import transcript
from atrium.web.pages import page_router, render, thread_title
from atrium.web.visitor import VisitorDep

router = page_router()


@router.get("/app/shared/{share_id}")
async def shared_thread(
    share_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    shares: ShareServiceDep,
) -> Response:
    share, thread = await shares.open_thread(session=session, auth=visitor.auth, share_ref=share_id)
    # The chat page's own rendering (tool calls, outputs, citations), minus every control.
    return render(
        request,
        "shared.html",
        visitor,
        title=thread_title(thread),
        share=share,
        messages=transcript.messages(thread),
        pending=[],
        editable=False,
        regenerate=None,
        read_only=True,
    )
