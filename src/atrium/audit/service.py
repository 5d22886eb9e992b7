"""Append-only record of security-relevant actions: who did what, in which tenant, from where."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.audit.models import AuditEntry
from atrium.audit.repository import audit_repository
from atrium.auth.context import AuthContext
from atrium.auth.permissions import Action, Resource, require
from atrium.kit.deps import ClientInfo


class AuditService:
    async def record(
        self,
        *,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        action: str,
        actor_user_id: uuid.UUID | None = None,
        actor_api_key_id: uuid.UUID | None = None,
        client: ClientInfo | None = None,
        target_type: str | None = None,
        target_id: str | uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        await audit_repository.add(
            session,
            AuditEntry(
                tenant_id=tenant_id,
                action=action,
                actor_user_id=actor_user_id,
                actor_api_key_id=actor_api_key_id,
                ip=client.ip if client else None,
                user_agent=client.user_agent if client else None,
                target_type=target_type,
                target_id=str(target_id) if target_id is not None else None,
                details=details or {},
            ),
        )

    async def record_by(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        action: str,
        client: ClientInfo | None,
        target_type: str | None = None,
        target_id: str | uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        await self.record(
            session=session,
            tenant_id=auth.tenant_id,
            action=action,
            actor_user_id=auth.user_id,
            actor_api_key_id=auth.api_key_id,
            client=client,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )

    async def list(
        self,
        *,
        session: AsyncSession,
        auth: AuthContext,
        limit: int,
        offset: int,
        action: str | None,
    ) -> tuple[list[AuditEntry], int]:
        """The tenant's audit trail (owners and admins)."""
        require(auth, Resource.tenant_secrets, Action.read)
        return await audit_repository.list(
            session, tenant_id=auth.tenant_id, limit=limit, offset=offset, action=action
        )


audit_service = AuditService()
