"""A thread's stored messages as the chat page shows them and as its exports write them.

Everything here is plain data: the templates escape it (or run it through the `markdown`
filter), the exports write it into downloads, so no text is turned into HTML here."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from atrium.threads.models import Thread
from atrium.threads.share_service import message_text

# A tool's output longer than this is shown cut, with the whole text behind "Show all".
OUTPUT_PREVIEW_CHARS = 600


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    args: dict[str, Any]

    @property
    def args_json(self) -> str:
        return json.dumps(self.args, indent=2, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Citation:
    file_name: str
    page: int | None
    snippet: str
    href: str | None


@dataclass(frozen=True)
class Message:
    """One message: `role` is user, assistant or tool; `index` its place in the thread's
    messages (a fork point is looked up by it)."""

    role: str
    text: str
    index: int
    id: str = ""
    name: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def preview(self) -> str:
        if len(self.text) <= OUTPUT_PREVIEW_CHARS:
            return self.text
        return self.text[:OUTPUT_PREVIEW_CHARS] + "…"

    @property
    def cut(self) -> bool:
        return len(self.text) > OUTPUT_PREVIEW_CHARS


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def citation_href(thread_id: str, citation: dict[str, Any]) -> str | None:
    """Where the cited file downloads: its base's file route, or the chat's own route for a
    file attached to this thread. Built from ids only, never from text."""
    file_id = citation.get("file_id")
    base_id = citation.get("knowledge_base_id")
    if not isinstance(file_id, str) or not _is_uuid(file_id):
        return None
    if isinstance(base_id, str) and _is_uuid(base_id):
        return f"/knowledge/{base_id}/files/{file_id}/content"
    if citation.get("thread_id") == thread_id:
        return f"/app/chat/{thread_id}/files/{file_id}/content"
    return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _citations(thread_id: str, raw: Any) -> list[Citation]:
    found: list[Citation] = []
    for c in raw if isinstance(raw, list) else []:
        if not isinstance(c, dict):
            continue
        page = c.get("page")
        found.append(
            Citation(
                file_name=str(c.get("file_name") or "a file"),
                page=page if isinstance(page, int) else None,
                snippet=str(c.get("snippet") or c.get("text") or ""),
                href=citation_href(thread_id, c),
            )
        )
    return found


def messages(thread: Thread) -> list[Message]:
    """The thread's current messages (its latest checkpoint's)."""
    thread_id = str(thread.id)
    shown: list[Message] = []
    for index, raw in enumerate((thread.values or {}).get("messages", []) or []):
        if not isinstance(raw, dict):
            continue
        kind, text, message_id = (
            raw.get("type"),
            message_text(raw.get("content")),
            str(raw.get("id") or ""),
        )
        if kind == "human":
            shown.append(Message("user", text, index, message_id))
        elif kind == "ai":
            calls = [
                ToolCall(
                    id=str(c.get("id") or ""),
                    name=str(c.get("name") or "tool"),
                    args=_dict(c.get("args")),
                )
                for c in raw.get("tool_calls") or []
                if isinstance(c, dict)
            ]
            extra = raw.get("additional_kwargs") or {}
            cited = _citations(
                thread_id, extra.get("citations") if isinstance(extra, dict) else None
            )
            if text or calls:
                shown.append(Message("assistant", text, index, message_id, "", calls, cited))
        elif kind == "tool":
            name = str(raw.get("name") or "tool")
            shown.append(Message("tool", text, index, message_id, name))
    return shown


def pending(thread: Thread) -> list[dict[str, Any]]:
    """The tool calls a person must approve, edit or reject before the run goes on."""
    found: list[dict[str, Any]] = []
    for items in (thread.interrupts or {}).values():
        for item in items if isinstance(items, list) else []:
            value = item.get("value") if isinstance(item, dict) else None
            if isinstance(value, dict):
                call = _dict(value.get("tool_call"))
                args = _dict(call.get("args"))
                found.append(
                    {
                        "name": str(call.get("name") or "unknown"),
                        "args_json": json.dumps(args, indent=2, ensure_ascii=False),
                    }
                )
    return found


def as_json(thread: Thread, title: str) -> dict[str, Any]:
    """The export: the thread's messages with their role, text, tool calls and citations."""
    return {
        "thread_id": str(thread.id),
        "title": title,
        "created_at": thread.created_at.isoformat(),
        "updated_at": thread.updated_at.isoformat(),
        "messages": [
            {
                "role": m.role,
                "content": m.text,
                **({"name": m.name} if m.role == "tool" else {}),
                **(
                    {
                        "tool_calls": [
                            {"id": c.id, "name": c.name, "args": c.args} for c in m.tool_calls
                        ]
                    }
                    if m.tool_calls
                    else {}
                ),
                **(
                    {
                        "citations": [
                            {"file_name": c.file_name, "page": c.page, "snippet": c.snippet}
                            for c in m.citations
                        ]
                    }
                    if m.citations
                    else {}
                ),
            }
            for m in messages(thread)
        ],
    }


def _fence(text: str) -> str:
    """A fence longer than any run of backticks in `text`, so the text cannot close it."""
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def as_markdown(thread: Thread, title: str) -> str:
    """The export as Markdown: a download, so the text goes in as written."""
    lines = [f"# {title}", ""]
    for m in messages(thread):
        if m.role == "user":
            lines += ["## You", "", m.text, ""]
        elif m.role == "assistant":
            lines += ["## Assistant", ""]
            if m.text:
                lines += [m.text, ""]
            for c in m.tool_calls:
                fence = _fence(c.args_json)
                lines += [
                    f"Called tool `{c.name}` with:",
                    "",
                    f"{fence}json",
                    c.args_json,
                    fence,
                    "",
                ]
            if m.citations:
                lines += ["Sources:", ""]
                for cited in m.citations:
                    page = f", page {cited.page}" if cited.page else ""
                    lines.append(f"- {cited.file_name}{page}: {cited.snippet}")
                lines.append("")
        else:
            fence = _fence(m.text)
            lines += [f"## Tool {m.name}", "", fence, m.text, fence, ""]
    return "\n".join(lines)
