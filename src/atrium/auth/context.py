"""The authenticated principal of a request, as every service receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"


ADMIN_ROLES = frozenset({Role.owner, Role.admin})


@dataclass(frozen=True, slots=True)
class AuthContext:
    """Who is calling, in which tenant, with which role.

    The tenant always comes from the verified credential, never from the request body,
    query or a header the caller controls.
    """

    tenant_id: uuid.UUID
    role: Role
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None = None
    is_platform_admin: bool = False
    plan_id: str = "basic"

    @property
    def is_tenant_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def is_user_session(self) -> bool:
        return self.api_key_id is None and self.user_id is not None
