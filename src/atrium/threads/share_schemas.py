"""Bodies of thread share links and of the read-only copy a link opens."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel


class ThreadSharePublic(BaseModel):
    id: uuid.UUID
    thread_id: uuid.UUID
    # The dashboard page that shows the thread read-only to members of the tenant.
    url: str
    created_by: uuid.UUID | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class SpeakerRole(StrEnum):
    user = "user"
    assistant = "assistant"
    tool = "tool"


class SharedMessagePublic(BaseModel):
    role: SpeakerRole
    text: str
    # The tool's name, for a tool's answer.
    name: str | None = None
    # The tools an assistant's message called, by name.
    tool_calls: list[str] = []


class SharedThreadPublic(BaseModel):
    """What a share link shows: the thread's title and messages, nothing to act on."""

    share_id: uuid.UUID
    title: str | None
    shared_at: dt.datetime
    messages: list[SharedMessagePublic]
