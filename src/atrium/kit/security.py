"""Password hashing and opaque secrets.

Opaque secrets (API keys, refresh tokens, invitation tokens) embed the owning tenant's id in
clear, so the lookup runs inside that tenant's row-level-security scope: a secret presented
with a forged tenant part simply finds no row. Only a SHA-256 of the whole secret is stored;
the secrets carry 256 bits of entropy, so a slow hash would add nothing but latency.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the account does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

_TENANT_HEX_LEN = 32


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True, slots=True)
class TenantSecret:
    tenant_id: uuid.UUID
    value: str

    @property
    def hash(self) -> bytes:
        return digest(self.value)


def new_tenant_secret(prefix: str, tenant_id: uuid.UUID) -> TenantSecret:
    return TenantSecret(tenant_id, f"{prefix}{tenant_id.hex}{secrets.token_urlsafe(32)}")


def parse_tenant_secret(prefix: str, value: str) -> TenantSecret | None:
    """Split a presented secret; None when it is not of this kind or malformed."""
    if not value.startswith(prefix) or len(value) > 200:
        return None
    tenant_part = value[len(prefix) : len(prefix) + _TENANT_HEX_LEN]
    if len(value) < len(prefix) + _TENANT_HEX_LEN + 32:
        return None
    try:
        tenant_id = uuid.UUID(hex=tenant_part)
    except ValueError:
        return None
    return TenantSecret(tenant_id, value)


def new_user_secret(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"
