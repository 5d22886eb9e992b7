"""Read-only share links for threads.

A link lets any signed-in member of the thread's tenant read the thread (title and
messages), even a member who could not see it otherwise: members see only their own
threads, and a link is how one of them shows a conversation to a colleague. Nobody
outside the tenant can open it: the link is looked up in the tenant of the reader's own
credential (and row-level security), so another tenant's user, a revoked link and a
missing one all get the same 404.

Whoever can see a thread may share it and list its links; a link is revoked by the person
who made it or by someone who reaches every thread of the tenant (owners and admins)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, Scope, scope
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import Conflict, Forbidden, NotFound
from atrium.kit.models import utcnow
from atrium.threads.models import Thread, ThreadShare
from atrium.threads.service import ThreadService
from atrium.threads.share_repository import thread_share_repository
from atrium.threads.share_schemas import (
    SharedMessagePublic,
    SharedThreadPublic,
    SpeakerRole,
    ThreadSharePublic,
)

# Revoked, missing or another tenant's: one answer for all three.
_MISSING = "This share link does not exist or was revoked"
# Live links one thread may have (each is one more way in to keep track of), and how many
# of its links, revoked ones included, the list shows (the newest).
MAX_LIVE = 20
MAX_LISTED = 100


def parse_share_id(ref: str | uuid.UUID) -> uuid.UUID:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        raise NotFound(_MISSING) from None


def message_text(content: Any) -> str:
    """A stored message's content as text: a string as it is, a list of parts joined."""
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def transcript(values: dict[str, Any] | None) -> list[SharedMessagePublic]:
    """The thread's stored messages as a person reads them: text only, tools by name."""
    shown: list[SharedMessagePublic] = []
    for message in (values or {}).get("messages", []) or []:
        if not isinstance(message, dict):
            continue
        kind, text = message.get("type"), message_text(message.get("content"))
        if kind == "human":
            shown.append(SharedMessagePublic(role=SpeakerRole.user, text=text))
        elif kind == "ai":
            calls = [str(c.get("name", "")) for c in message.get("tool_calls") or []]
            if text or calls:
                shown.append(
                    SharedMessagePublic(role=SpeakerRole.assistant, text=text, tool_calls=calls)
                )
        elif kind == "tool":
            name = str(message.get("name") or "tool")
            shown.append(SharedMessagePublic(role=SpeakerRole.tool, text=text, name=name))
    return shown


class ShareService:
    def __init__(self, *, threads: ThreadService, base_url: str) -> None:
        self._threads = threads
        self._base_url = base_url.rstrip("/")

    def url(self, share_id: uuid.UUID) -> str:
        """Where the link opens: the dashboard's read-only page."""
        return f"{self._base_url}/app/shared/{share_id}"

    def public(self, share: ThreadShare) -> ThreadSharePublic:
        return ThreadSharePublic(
            id=share.id,
            thread_id=share.thread_id,
            url=self.url(share.id),
            created_by=share.created_by,
            created_at=share.created_at,
            revoked_at=share.revoked_at,
        )

    async def create(
        self, *, session: AsyncSession, auth: AuthContext, thread_ref: str, client: ClientInfo
    ) -> ThreadShare:
        """A new link to a thread the caller can see (404 for any other)."""
        thread = await self._threads.get(session=session, auth=auth, ref=thread_ref)
        # A soft cap, unlocked: two racing requests may pass it together, which is harmless,
        # while locking the thread's row would wait for a run that holds it.
        live = await thread_share_repository.count_live(
            session, tenant_id=auth.tenant_id, thread_id=thread.id
        )
        if live >= MAX_LIVE:
            raise Conflict(
                f"This chat has {MAX_LIVE} live links already; revoke one before making another"
            )
        share = ThreadShare(
            tenant_id=auth.tenant_id, id=uuid.uuid4(), thread_id=thread.id, created_by=auth.user_id
        )
        share = await thread_share_repository.add(session, share)
        # A link widens who may read the thread: the tenant's admins can see who did so.
        await self._audit(session, auth, client, "thread_share.created", share)
        return share

    async def list_links(
        self, *, session: AsyncSession, auth: AuthContext, thread_ref: str
    ) -> list[ThreadShare]:
        """The links to a thread the caller can see, newest first, revoked ones included."""
        thread = await self._threads.get(session=session, auth=auth, ref=thread_ref)
        return await thread_share_repository.list_for_thread(
            session, tenant_id=auth.tenant_id, thread_id=thread.id, limit=MAX_LISTED
        )

    async def revoke(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        thread_ref: str,
        share_ref: str,
        client: ClientInfo,
    ) -> None:
        """Revoke a link to a thread the caller can see; revoking twice changes nothing."""
        thread = await self._threads.get(session=session, auth=auth, ref=thread_ref)
        share = await thread_share_repository.get(
            session, tenant_id=auth.tenant_id, share_id=parse_share_id(share_ref)
        )
        if share is None or share.thread_id != thread.id:
            raise NotFound(_MISSING)
        everyone = scope(auth, Resource.threads, Action.change) == Scope.all
        if not everyone and (auth.user_id is None or share.created_by != auth.user_id):
            raise Forbidden(
                "Only the person who made this link, an owner or an admin may revoke it"
            )
        if share.revoked_at is None:
            share.revoked_at = utcnow()
            await session.flush()
            await self._audit(session, auth, client, "thread_share.revoked", share)

    @staticmethod
    async def _audit(
        session: AsyncSession,
        auth: AuthContext,
        client: ClientInfo,
        action: str,
        share: ThreadShare,
    ) -> None:
        await audit_service.record_by(
            session=session,
            auth=auth,
            action=action,
            client=client,
            target_type="thread_share",
            target_id=share.id,
            details={"thread_id": str(share.thread_id)},
        )

    async def open(
        self, *, session: AsyncSession, auth: AuthContext, share_ref: str
    ) -> SharedThreadPublic:
        """The thread behind a live link, read-only, for any member of the link's tenant."""
        share, thread = await self._live(session, auth, share_ref)
        return SharedThreadPublic(
            share_id=share.id,
            title=self.title(thread),
            shared_at=share.created_at,
            messages=transcript(thread.values),
        )

    async def open_thread(
        self, *, session: AsyncSession, auth: AuthContext, share_ref: str
    ) -> tuple[ThreadShare, Thread]:
        """The link and its thread, for a page that renders the thread itself (the same
        checks as `open`)."""
        return await self._live(session, auth, share_ref)

    @staticmethod
    def title(thread: Thread) -> str | None:
        title = thread.metadata_.get("title")
        return str(title) if title else None

    async def _live(
        self, session: AsyncSession, auth: AuthContext, share_ref: str
    ) -> tuple[ThreadShare, Thread]:
        # Looked up in the caller's own tenant only: another tenant's link is "missing".
        share = await thread_share_repository.get(
            session, tenant_id=auth.tenant_id, share_id=parse_share_id(share_ref)
        )
        thread = None
        if share is not None and share.revoked_at is None:
            thread = await self._threads.get_any(
                session=session, tenant_id=auth.tenant_id, thread_id=share.thread_id
            )
        if share is None or thread is None:
            raise NotFound(_MISSING)
        return share, thread
