"""HTTP for the signed-in user's own profile."""

from __future__ import annotations

from fastapi import APIRouter

from atrium.auth.dependencies import UserSessionDep
from atrium.kit.deps import SessionDep
from atrium.users.schemas import UserPublic, UserUpdate, user_public
from atrium.users.service import user_service

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def get_me(auth: UserSessionDep, session: SessionDep) -> UserPublic:
    """The signed-in user's profile."""
    return user_public(await user_service.get(session=session, user_id=auth.user_id))


@router.patch("/me")
async def update_me(data: UserUpdate, auth: UserSessionDep, session: SessionDep) -> UserPublic:
    """Change name, avatar URL or preferences."""
    user = await user_service.get(session=session, user_id=auth.user_id)
    return user_public(await user_service.update(session=session, user=user, data=data))
