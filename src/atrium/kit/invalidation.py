"""Tenant-scoped cache invalidation. Code that changes who may do what in a tenant (keys,
roles, plan, status, provider keys) calls `TenantChanges.announce`; caches subscribe.
Listeners run after the change commits; other processes see it when their short cache
entries expire."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.db import after_commit


class TenantChanges:
    def __init__(self) -> None:
        self._listeners: list[Callable[[uuid.UUID], None]] = []

    def subscribe(self, listener: Callable[[uuid.UUID], None]) -> None:
        self._listeners.append(listener)

    def announce(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        """Tell every listener once this session's transaction has committed."""

        async def notify() -> None:
            for listener in self._listeners:
                listener(tenant_id)

        after_commit(session, notify, name="invalidate.tenant")
