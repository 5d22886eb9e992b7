"""Who may do what: the one permission table (DESIGN.md's "Who may do what", and README.md's
copy of it). Services ask it instead of comparing roles themselves, so a rule lives in one
place and tests/auth/test_permissions.py checks every cell of it over HTTP.

An API key acts with its effective role (the lower of its own and its creator's current
membership role, see `ApiKeyService.authenticate`): an owner's key is at most an admin key.
`KEY_EXCEPTIONS` lists the cells where a key reaches less than its role.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from atrium.auth.context import AuthContext, Role
from atrium.kit.errors import Forbidden


class Resource(StrEnum):
    tenant = "tenant name and settings"
    billing = "plan, billing, delete tenant"
    members = "members and invitations"
    api_keys = "API keys"
    tenant_secrets = "provider keys, webhook secret, audit log"
    # Their credentials are never shown to anyone; the rest is read by every role.
    mcp_servers = "MCP servers"
    assistants = "assistants, knowledge bases, projects"
    threads = "threads and their runs"
    usage = "usage"


class Action(StrEnum):
    read = "read"
    create = "create"
    # Change includes delete: the table never grants one without the other.
    change = "change"


class Scope(StrEnum):
    """How much of a resource a role reaches with an action."""

    none = "none"
    # Only what the caller (or the key's creator) made. For `create`: may create, and what
    # is created is the caller's own.
    own = "own"
    all = "all"


_ALL, _OWN, _NONE = Scope.all, Scope.own, Scope.none


def _cell(owner: Scope, admin: Scope, member: Scope) -> dict[Role, Scope]:
    return {Role.owner: owner, Role.admin: admin, Role.member: member}


# Rules finer than a cell stay in the service that owns them and say so: only owners grant,
# remove or demote owners (TenantService); a member's key has a role no higher than the
# member's own (ApiKeyService); a member may leave, which is "change own" on members.
PERMISSIONS: dict[tuple[Resource, Action], dict[Role, Scope]] = {
    (Resource.tenant, Action.read): _cell(_ALL, _ALL, _ALL),
    (Resource.tenant, Action.change): _cell(_ALL, _ALL, _NONE),
    (Resource.billing, Action.read): _cell(_ALL, _ALL, _ALL),
    (Resource.billing, Action.change): _cell(_ALL, _NONE, _NONE),
    (Resource.members, Action.read): _cell(_ALL, _ALL, _ALL),
    (Resource.members, Action.change): _cell(_ALL, _ALL, _OWN),
    (Resource.api_keys, Action.read): _cell(_ALL, _ALL, _OWN),
    (Resource.api_keys, Action.create): _cell(_OWN, _OWN, _OWN),
    (Resource.api_keys, Action.change): _cell(_ALL, _ALL, _OWN),
    (Resource.tenant_secrets, Action.read): _cell(_ALL, _ALL, _NONE),
    (Resource.tenant_secrets, Action.change): _cell(_ALL, _ALL, _NONE),
    # As DESIGN.md's table: MCP servers sit with the tenant's secrets, members do not see them.
    (Resource.mcp_servers, Action.read): _cell(_ALL, _ALL, _NONE),
    (Resource.mcp_servers, Action.change): _cell(_ALL, _ALL, _NONE),
    (Resource.assistants, Action.read): _cell(_ALL, _ALL, _ALL),
    (Resource.assistants, Action.create): _cell(_OWN, _OWN, _OWN),
    (Resource.assistants, Action.change): _cell(_ALL, _ALL, _OWN),
    (Resource.threads, Action.read): _cell(_ALL, _ALL, _OWN),
    (Resource.threads, Action.create): _cell(_OWN, _OWN, _OWN),
    (Resource.threads, Action.change): _cell(_ALL, _ALL, _OWN),
    (Resource.usage, Action.read): _cell(_ALL, _ALL, _OWN),
}


# An API key acts with its effective role (see the module's docstring) in every cell but
# these, where a key reaches less than its role would: keys never make keys, and leaving a
# tenant ("members: own") is its member's own act, not a program's.
KEY_EXCEPTIONS: dict[tuple[Resource, Action], dict[Role, Scope]] = {
    (Resource.api_keys, Action.create): _cell(_NONE, _NONE, _NONE),
    (Resource.members, Action.change): _cell(_ALL, _ALL, _NONE),
}


def scope(auth: AuthContext, resource: Resource, action: Action) -> Scope:
    """How much of `resource` the caller reaches with `action`; none for a pair the table
    does not name (refused unless granted)."""
    if auth.api_key_id is not None and (resource, action) in KEY_EXCEPTIONS:
        return KEY_EXCEPTIONS[(resource, action)][auth.role]
    cell = PERMISSIONS.get((resource, action))
    return cell[auth.role] if cell is not None else Scope.none


def require(auth: AuthContext, resource: Resource, action: Action) -> Scope:
    """The caller's scope for `action` on `resource`, or 403 when they have none."""
    granted = scope(auth, resource, action)
    if granted == Scope.none:
        raise Forbidden(f"Your role ({auth.role}) may not {action} {resource}")
    return granted


def require_all(auth: AuthContext, resource: Resource, action: Action) -> None:
    """403 unless the caller reaches every row of `resource` with `action` (for acts on
    other people's rows, such as inviting or changing a role)."""
    if scope(auth, resource, action) != Scope.all:
        raise Forbidden(f"Your role ({auth.role}) may not {action} {resource}")


def owner_filter(auth: AuthContext, resource: Resource, action: Action) -> uuid.UUID | None:
    """For lists: None when the caller reaches every row, else the user whose rows they
    reach. 403 for a caller who reaches none, and for "own" without a user to own anything."""
    if require(auth, resource, action) == Scope.all:
        return None
    if auth.user_id is None:
        raise Forbidden(f"Your role ({auth.role}) may not {action} {resource}")
    return auth.user_id


def may(
    auth: AuthContext, resource: Resource, action: Action, *, owner_id: uuid.UUID | None
) -> bool:
    """Whether the caller may act on one row created by `owner_id`."""
    granted = scope(auth, resource, action)
    if granted == Scope.all:
        return True
    return granted == Scope.own and auth.user_id is not None and owner_id == auth.user_id


def require_on(
    auth: AuthContext, resource: Resource, action: Action, *, owner_id: uuid.UUID | None
) -> None:
    """403 unless the caller may act on the row created by `owner_id` (used where the row
    is visible to the caller, so refusing it reveals nothing)."""
    if not may(auth, resource, action, owner_id=owner_id):
        if scope(auth, resource, action) == Scope.own:
            raise Forbidden(f"Your role ({auth.role}) may {action} only your own {resource}")
        raise Forbidden(f"Your role ({auth.role}) may not {action} {resource}")


def role_at_most(auth: AuthContext, role: Role) -> bool:
    """Whether `role` is no higher than the caller's own (what a member may hand a key)."""
    return RANK[role] <= RANK[auth.role]


RANK = {Role.member: 0, Role.admin: 1, Role.owner: 2}


def lower_role(a: Role, b: Role) -> Role:
    return a if RANK[a] <= RANK[b] else b


def markdown_table() -> str:
    """The table as README.md shows it (a test keeps the two the same). The key columns are
    an admin key's and a member key's, each as its effective role."""
    shown = {Scope.all: "all", Scope.own: "own", Scope.none: "—"}
    lines = [
        "| resource | action | owner | admin | member | admin key | member key |",
        "|---|---|---|---|---|---|---|",
    ]
    for (resource, action), cell in PERMISSIONS.items():
        keys = KEY_EXCEPTIONS.get((resource, action), cell)
        scopes = [cell[Role.owner], cell[Role.admin], cell[Role.member]]
        scopes += [keys[Role.admin], keys[Role.member]]
        lines.append(f"| {resource} | {action} | {' | '.join(shown[x] for x in scopes)} |")
    return "\n".join(lines)
