"""The assistants' list and form pages."""

from __future__ import annotations

from fastapi import Request, Response

from atrium.assistants.dependencies import AssistantServiceDep
from atrium.assistants.schemas import AssistantSearch
from atrium.kit.deps import SessionDep
from atrium.web.pages import (
    page_router,
    render,
)
from atrium.web.visitor import VisitorDep

router = page_router()


@router.get("/app/assistants")
async def assistants_page(
    request: Request, visitor: VisitorDep, session: SessionDep, assistants: AssistantServiceDep
) -> Response:
    found, _ = await assistants.search(
        session=session, auth=visitor.auth, query=AssistantSearch(limit=100, sort_by="name")
    )
    return render(request, "assistants.html", visitor, assistants=found)


@router.get("/app/assistants/new")
async def new_assistant_page(request: Request, visitor: VisitorDep) -> Response:
    return render(request, "assistant_form.html", visitor, assistant=None, tools_text="")


@router.get("/app/assistants/{assistant_id}")
async def assistant_page(
    assistant_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    assistants: AssistantServiceDep,
) -> Response:
    assistant = await assistants.get(session=session, auth=visitor.auth, ref=assistant_id)
    tools = assistant.context.get("tools") or []
    tools_text = "\n".join(
        f"{t.get('name')}: {t.get('policy', 'auto')}" for t in tools if isinstance(t, dict)
    )
    return render(
        request, "assistant_form.html", visitor, assistant=assistant, tools_text=tools_text
    )
