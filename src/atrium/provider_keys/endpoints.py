"""HTTP for tenants' own provider keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from atrium.auth.dependencies import AuthDep, TenantAdminDep
from atrium.kit.deps import ClientDep, SessionDep, provided
from atrium.provider_keys.schemas import ProviderKeyCreate, ProviderKeyPublic
from atrium.provider_keys.service import ProviderKeyService

router = APIRouter(prefix="/provider-keys", tags=["provider-keys"])
ProviderKeyServiceDep = Annotated[ProviderKeyService, Depends(provided("provider_key_service"))]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_provider_key(
    data: ProviderKeyCreate,
    auth: TenantAdminDep,
    session: SessionDep,
    client: ClientDep,
    provider_key_service: ProviderKeyServiceDep,
) -> ProviderKeyPublic:
    """Store the tenant's own key for a provider (owners and admins). It is encrypted at rest
    and never shown again; calls to that provider then use it instead of the platform's."""
    key = await provider_key_service.create(session=session, auth=auth, data=data, client=client)
    return ProviderKeyPublic.model_validate(key)


@router.get("")
async def list_provider_keys(
    auth: AuthDep, session: SessionDep, provider_key_service: ProviderKeyServiceDep
) -> list[ProviderKeyPublic]:
    """The tenant's provider keys, without their secrets (owners and admins)."""
    keys = await provider_key_service.list_keys(session=session, auth=auth)
    return [ProviderKeyPublic.model_validate(k) for k in keys]


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_provider_key(
    key_id: uuid.UUID,
    auth: AuthDep,
    session: SessionDep,
    client: ClientDep,
    provider_key_service: ProviderKeyServiceDep,
) -> Response:
    """Delete a provider key."""
    await provider_key_service.delete(session=session, auth=auth, key_id=key_id, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
