"""Encryption of secrets at rest (tenant provider keys, tool credentials): AES-256-GCM.

Keys are derived (HKDF-SHA256) from `ATRIUM_SECRET_KEY`; each ciphertext names the key that
sealed it, so after a rotation the previous keys (`ATRIUM_SECRET_KEY_PREVIOUS`) still open
old rows until `atrium admin rotate-secrets` re-seals them. The associated data binds a
ciphertext to its owner (e.g. tenant and provider): a row copied elsewhere does not open.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_KEY_ID_LEN = 8
_NONCE_LEN = 12


def derived_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose (e.g. a tenant's webhook signatures), derived from the
    master secret so that it needs no storage; it changes when the master secret rotates."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"atrium", info=f"atrium/{purpose}".encode()
    ).derive(secret.encode())


class DecryptionError(Exception):
    pass


def _derive(secret: str) -> tuple[bytes, AESGCM]:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"atrium", info=b"atrium/secrets-at-rest/v1"
    ).derive(secret.encode())
    key_id = hashlib.sha256(b"key-id" + key).digest()[:_KEY_ID_LEN]
    return key_id, AESGCM(key)


class SecretBox:
    def __init__(self, current: str, previous: list[str] | None = None) -> None:
        self._current_id, self._current = _derive(current)
        self._keys = {self._current_id: self._current}
        for old in previous or []:
            key_id, aead = _derive(old)
            self._keys.setdefault(key_id, aead)

    def seal(self, plaintext: str, *, context: str) -> bytes:
        nonce = os.urandom(_NONCE_LEN)
        sealed = self._current.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + self._current_id + nonce + sealed

    def open(self, blob: bytes, *, context: str) -> str:
        if len(blob) < 1 + _KEY_ID_LEN + _NONCE_LEN + 16 or blob[:1] != _VERSION:
            raise DecryptionError("unknown ciphertext format")
        key_id = blob[1 : 1 + _KEY_ID_LEN]
        nonce = blob[1 + _KEY_ID_LEN : 1 + _KEY_ID_LEN + _NONCE_LEN]
        aead = self._keys.get(key_id)
        if aead is None:
            raise DecryptionError("sealed with a key that is not configured")
        try:
            return aead.decrypt(
                nonce, blob[1 + _KEY_ID_LEN + _NONCE_LEN :], context.encode()
            ).decode()
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not open with its context") from exc

    def is_current(self, blob: bytes) -> bool:
        return blob[1 : 1 + _KEY_ID_LEN] == self._current_id
