"""HTTP for API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from atrium.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from atrium.api_keys.service import ApiKeyService
from atrium.auth.dependencies import AuthDep
from atrium.kit.deps import ClientDep, SessionDep, provided
from atrium.kit.schemas import Limit, Offset, Page

router = APIRouter(prefix="/api-keys", tags=["api-keys"])
ApiKeyServiceDep = Annotated[ApiKeyService, Depends(provided("api_key_service"))]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    data: ApiKeyCreate,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    api_key_service: ApiKeyServiceDep,
) -> ApiKeyCreated:
    """Create a key for programs. The secret is in this response only; it is stored hashed."""
    key, secret = await api_key_service.create(session=session, auth=auth, data=data, client=client)
    public = ApiKeyPublic.model_validate(key)
    return ApiKeyCreated(**public.model_dump(by_alias=False), key=secret)


@router.get("")
async def list_api_keys(
    auth: AuthDep,
    session: SessionDep,
    api_key_service: ApiKeyServiceDep,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> Page[ApiKeyPublic]:
    """The tenant's active keys (never their secrets)."""
    rows, total = await api_key_service.list(session=session, auth=auth, limit=limit, offset=offset)
    return Page(
        items=[ApiKeyPublic.model_validate(k) for k in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    api_key_service: ApiKeyServiceDep,
) -> Response:
    """Revoke a key; it stops working at once."""
    await api_key_service.revoke(session=session, auth=auth, key_id=key_id, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
