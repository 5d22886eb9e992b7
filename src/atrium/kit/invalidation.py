"""Tenant-scoped cache invalidation. Code that changes who may do what in a tenant (keys,
roles, plan, status, provider keys) calls `tenant_changed`; caches subscribe with
`on_tenant_change`. Listeners run after the change commits; other processes see it when
their short cache entries expire."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.kit.runtime import after_commit

_listeners: list[Callable[[uuid.UUID], None]] = []


def on_tenant_change(listener: Callable[[uuid.UUID], None]) -> None:
    _listeners.append(listener)


def tenant_changed(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    async def notify() -> None:
        for listener in _listeners:
            listener(tenant_id)

    after_commit(session, notify, name="invalidate.tenant")
