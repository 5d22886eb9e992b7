"""Signed JWT access tokens, scoped to one tenant and one role."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

import jwt

from atrium.auth.context import Role
from atrium.kit.errors import Unauthorized

_ALGORITHM = "HS256"
_ISSUER = "atrium"
_AUDIENCE = "atrium"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: Role
    # To the microsecond, so a token issued right after a password change still works and
    # one issued right before it does not.
    issued_at: dt.datetime


class TokenSigner:
    def __init__(self, secret: str, *, ttl_seconds: int) -> None:
        # A dedicated key derived from the master secret, so other uses of it never collide.
        self._key = hmac.new(secret.encode(), b"atrium/jwt-access", hashlib.sha256).digest()
        self.ttl_seconds = ttl_seconds

    def issue(self, *, user_id: uuid.UUID, tenant_id: uuid.UUID, role: Role) -> str:
        exact = time.time()
        now = int(exact)
        claims = {
            "iss": _ISSUER,
            "aud": _AUDIENCE,
            "sub": str(user_id),
            "tid": str(tenant_id),
            "role": role.value,
            "typ": "access",
            "iat": now,
            "iat_us": int(exact * 1_000_000),
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "tid", "role", "typ"]},
            )
            if claims["typ"] != "access":
                raise Unauthorized("Invalid access token")
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                tenant_id=uuid.UUID(claims["tid"]),
                role=Role(claims["role"]),
                issued_at=dt.datetime.fromtimestamp(
                    int(claims.get("iat_us", claims["iat"] * 1_000_000)) / 1_000_000, dt.UTC
                ),
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Access token expired") from exc
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthorized("Invalid access token") from exc
