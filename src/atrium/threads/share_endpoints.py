"""HTTP for thread share links: make, list and revoke a thread's links, and open one."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import ClientDep, SessionDep
from atrium.threads.dependencies import ShareServiceDep
from atrium.threads.share_schemas import SharedThreadPublic, ThreadSharePublic

router = APIRouter(prefix="/threads", tags=["threads"])
link_router = APIRouter(prefix="/shares", tags=["threads"])


@router.post("/{thread_id}/shares", status_code=status.HTTP_201_CREATED)
async def create_share(
    thread_id: str,
    auth: AuthDep,
    session: SessionDep,
    shares: ShareServiceDep,
    client: ClientDep,
) -> ThreadSharePublic:
    """A read-only link to the thread that any signed-in member of the tenant may open."""
    share = await shares.create(session=session, auth=auth, thread_ref=thread_id, client=client)
    return shares.public(share)


@router.get("/{thread_id}/shares")
async def list_shares(
    thread_id: str, auth: AuthDep, session: SessionDep, shares: ShareServiceDep
) -> list[ThreadSharePublic]:
    """The thread's links, newest first (revoked ones carry `revoked_at`)."""
    links = await shares.list_links(session=session, auth=auth, thread_ref=thread_id)
    return [shares.public(share) for share in links]


@router.delete("/{thread_id}/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_share(
    thread_id: str,
    share_id: str,
    auth: AuthDep,
    session: SessionDep,
    shares: ShareServiceDep,
    client: ClientDep,
) -> Response:
    """Revoke a link (its maker, an owner or an admin): it then answers 404."""
    await shares.revoke(
        session=session, auth=auth, thread_ref=thread_id, share_ref=share_id, client=client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@link_router.get("/{share_id}")
async def open_share(
    share_id: str, auth: AuthDep, session: SessionDep, shares: ShareServiceDep
) -> SharedThreadPublic:
    """The shared thread's title and messages, for any signed-in member of its tenant."""
    return await shares.open(session=session, auth=auth, share_ref=share_id)
