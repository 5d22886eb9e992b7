"""PLACEHOLDER (helper "knowledge"): replaced by the "files" helper's module at merge.
A folder store only, with the agreed interface."""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from pathlib import Path
from typing import Protocol

from atrium.kit.errors import NotFound
from atrium.settings import Settings

_PART = re.compile(r"^[A-Za-z0-9._-]+$")


class ObjectMissing(NotFound):
    code = "object_missing"


class FileStore(Protocol):
    async def put(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None: ...
    async def get(self, key: str) -> bytes: ...
    async def exists(self, key: str) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> int: ...
    async def close(self) -> None: ...


def object_key(tenant_id: uuid.UUID, *parts: str) -> str:
    for part in parts:
        if not _PART.match(part) or part in {".", ".."}:
            raise ValueError(f"invalid key part {part!r}")
    return "/".join(["tenants", str(tenant_id), *parts])


class _FolderStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root / key

    async def put(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise ObjectMissing("Stored object not found") from None

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def delete_prefix(self, prefix: str) -> int:
        path = self._path(prefix.rstrip("/"))
        if not path.exists():
            return 0
        count = sum(1 for p in path.rglob("*") if p.is_file())
        await asyncio.to_thread(shutil.rmtree, path, True)
        return count

    async def close(self) -> None:
        return None


def open_file_store(settings: Settings) -> FileStore:
    return _FolderStore(settings.data_dir / "files")
