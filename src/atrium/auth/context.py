"""The authenticated principal of a request, as every service receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from atrium.kit.errors import Forbidden


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

    def require_admin(self, message: str = "Tenant owners and admins only") -> None:
        """The one check of "owner or admin" (the permission table's admin column)."""
        if not self.is_tenant_admin:
            raise Forbidden(message)

    def signed_in(self) -> UserAuth:
        """This context as a signed-in user's (not an API key's), or 403."""
        if self.api_key_id is not None or self.user_id is None:
            raise Forbidden("This action needs a signed-in user, not an API key")
        return UserAuth(context=self, user_id=self.user_id)


@dataclass(frozen=True, slots=True)
class UserAuth:
    """A request by a signed-in user: the user is known, so no caller needs to check."""

    context: AuthContext
    user_id: uuid.UUID

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.context.tenant_id
