"""Registration, sign-in, token refresh, tenant switching and request authentication."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.api_keys.service import API_KEY_PREFIX, ApiKeyService
from atrium.audit.service import audit_service
from atrium.auth.context import AuthContext, Role, UserAuth
from atrium.auth.recovery import RecoveryService
from atrium.auth.schemas import LoginRequest, MePublic, RegisterRequest, TokenPair
from atrium.auth.sessions import SessionService
from atrium.auth.throttle import LoginThrottle
from atrium.auth.tokens import TokenSigner
from atrium.kit.deps import ClientInfo
from atrium.kit.errors import Forbidden, NotFound, Unauthorized
from atrium.kit.logging import get_logger
from atrium.kit.security import password_needs_rehash, verify_password
from atrium.tenants.schemas import TenantMembershipPublic, TenantPublic
from atrium.tenants.service import TenantService
from atrium.users.models import User
from atrium.users.schemas import user_public
from atrium.users.service import user_service

_log = get_logger("atrium.auth")


class AuthService:
    def __init__(
        self,
        *,
        signer: TokenSigner,
        sessions: SessionService,
        api_keys: ApiKeyService,
        tenants: TenantService,
        recovery: RecoveryService,
        throttle: LoginThrottle,
    ) -> None:
        self._signer = signer
        self._sessions = sessions
        self._api_keys = api_keys
        self._tenants = tenants
        self._recovery = recovery
        self._throttle = throttle

    async def register(
        self, *, session: AsyncSession, data: RegisterRequest, client: ClientInfo
    ) -> TokenPair:
        """Create a user. With an invitation token they join that tenant; otherwise they get a
        tenant of their own on the default plan, as its owner."""
        invited = data.invitation_token is not None
        user = await user_service.create(
            session=session,
            email=str(data.email),
            full_name=data.full_name,
            password=data.password,
        )
        if data.invitation_token is not None:
            membership = await self._tenants.accept_invitation(
                session=session, user=user, token=data.invitation_token, client=client
            )
            # Holding an invitation mailed to this address proves the address.
            await user_service.mark_email_verified(session=session, user=user)
            tenant_id, role = membership.tenant_id, Role(membership.role)
        else:
            name = data.tenant_name or f"{data.full_name}'s workspace"
            tenant = await self._tenants.create_with_owner(
                session=session, owner=user, name=name[:200], client=client
            )
            tenant_id, role = tenant.id, Role.owner
        if not invited:
            await self._recovery.send_verification(session=session, user=user)
        await audit_service.record(
            session=session,
            tenant_id=tenant_id,
            action="auth.registered",
            actor_user_id=user.id,
            client=client,
            target_type="user",
            target_id=user.id,
        )
        return await self._sessions.issue(
            session=session, user_id=user.id, tenant_id=tenant_id, role=role, client=client
        )

    async def login(
        self, *, session: AsyncSession, data: LoginRequest, client: ClientInfo
    ) -> TokenPair:
        email = str(data.email)
        await self._throttle.check(email, client.ip)
        user = await user_service.get_by_email(session=session, email=email)
        ok = verify_password(user.password_hash if user else None, data.password)
        if user is None or not ok or not user.is_active:
            await self._throttle.failed(email, client.ip)
            _log.info("sign_in_failed", reason="bad_credentials", ip=client.ip)
            raise Unauthorized("Invalid e-mail or password")
        await self._throttle.succeeded(email)
        if user.password_hash is not None and password_needs_rehash(user.password_hash):
            await user_service.set_password(
                session=session, user=user, password=data.password, changed=False
            )
        return await self.sign_in(
            session=session, user=user, tenant_id=data.tenant_id, client=client, method="password"
        )

    async def sign_in(
        self,
        *,
        session: AsyncSession,
        user: User,
        tenant_id: uuid.UUID | None,
        client: ClientInfo,
        method: str,
    ) -> TokenPair:
        """Start a session in `tenant_id`, or the user's first tenant. A user who belongs to
        no tenant any more gets a new one of their own rather than a dead end."""
        memberships = await self._tenants.user_tenants(session=session, user_id=user.id)
        if tenant_id is not None:
            chosen = next((m for m, _ in memberships if m.tenant_id == tenant_id), None)
            if chosen is None:
                raise NotFound("Tenant not found", field="tenant_id")
            target, role = chosen.tenant_id, Role(chosen.role)
        elif memberships:
            target, role = memberships[0][0].tenant_id, Role(memberships[0][0].role)
        else:
            tenant = await self._tenants.create_with_owner(
                session=session,
                owner=user,
                name=f"{user.full_name or user.email}'s workspace"[:200],
                client=client,
            )
            target, role = tenant.id, Role.owner
        pair = await self._sessions.issue(
            session=session, user_id=user.id, tenant_id=target, role=role, client=client
        )
        await audit_service.record(
            session=session,
            tenant_id=target,
            action="auth.signed_in",
            actor_user_id=user.id,
            client=client,
            target_type="user",
            target_id=user.id,
            details={"method": method},
        )
        return pair

    async def refresh(self, *, session: AsyncSession, token: str, client: ClientInfo) -> TokenPair:
        row = await self._sessions.take_refresh_token(session=session, token=token)
        found = await self._tenants.membership(
            session=session, tenant_id=row.tenant_id, user_id=row.user_id
        )
        if found is None or not found[1].is_active or found[2].status != "active":
            raise Unauthorized("Session is no longer valid")
        membership = found[0]
        return await self._sessions.issue(
            session=session,
            user_id=row.user_id,
            tenant_id=row.tenant_id,
            role=Role(membership.role),
            client=client,
            family_id=row.family_id,
        )

    async def logout(self, *, session: AsyncSession, token: str) -> None:
        await self._sessions.revoke(session=session, token=token)

    async def switch_tenant(
        self, *, session: AsyncSession, auth: UserAuth, tenant_id: uuid.UUID, client: ClientInfo
    ) -> TokenPair:
        user_id = auth.user_id
        found = await self._tenants.membership(
            session=session, tenant_id=tenant_id, user_id=user_id
        )
        if found is None:
            raise NotFound("Tenant not found", field="tenant_id")
        membership, _, tenant = found
        if tenant.status != "active":
            raise Forbidden("This tenant is suspended")
        pair = await self._sessions.issue(
            session=session,
            user_id=user_id,
            tenant_id=tenant_id,
            role=Role(membership.role),
            client=client,
        )
        await audit_service.record(
            session=session,
            tenant_id=tenant_id,
            action="auth.switched_tenant",
            actor_user_id=user_id,
            client=client,
            target_type="tenant",
            target_id=tenant_id,
        )
        return pair

    async def me(self, *, session: AsyncSession, auth: AuthContext) -> MePublic:
        tenant = await self._tenants.current(session=session, auth=auth)
        tenants: list[TenantMembershipPublic] = []
        user_out = None
        if auth.user_id is not None:
            user = await user_service.get(session=session, user_id=auth.user_id)
            user_out = user_public(user)
            if auth.is_user_session:
                rows = await self._tenants.user_tenants(session=session, user_id=auth.user_id)
                tenants = [
                    TenantMembershipPublic(tenant=TenantPublic.model_validate(t), role=m.role)
                    for m, t in rows
                ]
        if user_out is None:
            raise NotFound("This API key has no user")
        return MePublic(
            user=user_out,
            tenant=TenantPublic.model_validate(tenant),
            role=auth.role.value,
            via_api_key=auth.api_key_id is not None,
            tenants=tenants,
        )

    async def authenticate_session(self, *, session: AsyncSession, token: str) -> AuthContext:
        """A browser session (the dashboard's cookie) as an AuthContext, with the same checks
        as an access token's, made against the session's live row."""
        row = await self._sessions.resume(session=session, token=token)
        return await self._context(
            session=session, tenant_id=row.tenant_id, user_id=row.user_id, issued=row.created_at
        )

    async def authenticate(self, *, session: AsyncSession, credential: str) -> AuthContext:
        """Turn any accepted credential (access token or API key) into an AuthContext and
        scope the transaction to its tenant."""
        if credential.startswith(API_KEY_PREFIX):
            return await self._api_keys.authenticate(session=session, presented=credential)
        claims = self._signer.verify(credential)
        return await self._context(
            session=session,
            tenant_id=claims.tenant_id,
            user_id=claims.user_id,
            issued=claims.issued_at,
        )

    async def _context(
        self,
        *,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        issued: dt.datetime,
    ) -> AuthContext:
        found = await self._tenants.membership(
            session=session, tenant_id=tenant_id, user_id=user_id
        )
        # The role is read again on every request, so a demotion or removal takes effect now
        # rather than when the access token expires.
        if found is None or not found[1].is_active:
            raise Unauthorized("Session is no longer valid")
        membership, user, tenant = found
        if user.password_changed_at is not None and issued < user.password_changed_at:
            raise Unauthorized("Session is no longer valid")
        if tenant.status != "active":
            raise Forbidden("This tenant is suspended")
        return AuthContext(
            tenant_id=tenant_id,
            role=Role(membership.role),
            user_id=user.id,
            is_platform_admin=user.is_platform_admin,
            plan_id=tenant.plan_id,
        )
