"""Request-level dependencies shared by every domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.runtime import runtime


async def get_session() -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent."""
    async with runtime().db.transaction() as session:
        yield session


# scope="function": commit happens before the response goes out, so a client that reads
# its own write in the next request always finds it.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None


def get_client_info(request: Request) -> ClientInfo:
    ua = request.headers.get("user-agent")
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=ua[:500] if ua else None,
    )


ClientDep = Annotated[ClientInfo, Depends(get_client_info)]
