"""Helpers for knowledge tests: bases, uploads, waiting for ingestion."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

# Ingestion runs on the live server's worker; a file gets this long to settle.
SETTLE_SECONDS = 120.0


async def make_base(http: httpx.AsyncClient, name: str = "Docs", **body: Any) -> dict[str, Any]:
    r = await http.post("/knowledge", json={"name": name, **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def upload(
    http: httpx.AsyncClient,
    base_id: str,
    files: list[tuple[str, bytes]],
    *,
    metadata: dict[str, Any] | None = None,
) -> httpx.Response:
    data = {"metadata": json.dumps(metadata)} if metadata else None
    return await http.post(
        f"/knowledge/{base_id}/files",
        files=[("files", (name, content, "application/octet-stream")) for name, content in files],
        data=data,
    )


async def upload_ok(
    http: httpx.AsyncClient,
    base_id: str,
    files: list[tuple[str, bytes]],
    *,
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    r = await upload(http, base_id, files, metadata=metadata)
    assert r.status_code == 202, r.text
    return list(r.json())


async def settled(
    http: httpx.AsyncClient, path: str, *, seen: list[str] | None = None
) -> dict[str, Any]:
    """The file at `path` once it is `ready` or `failed` (statuses seen on the way are
    appended to `seen`)."""
    async with asyncio.timeout(SETTLE_SECONDS):
        while True:
            r = await http.get(path)
            assert r.status_code == 200, r.text
            body = dict(r.json())
            if seen is not None and (not seen or seen[-1] != body["status"]):
                seen.append(body["status"])
            if body["status"] in ("ready", "failed"):
                return body
            await asyncio.sleep(0.1)


async def ingested(
    http: httpx.AsyncClient, base_id: str, files: list[tuple[str, bytes]], **kw: Any
) -> list[dict[str, Any]]:
    made = await upload_ok(http, base_id, files, **kw)
    out = []
    for f in made:
        done = await settled(http, f"/knowledge/{base_id}/files/{f['id']}")
        assert done["status"] == "ready", done
        out.append(done)
    return out


async def search(
    http: httpx.AsyncClient, base_id: str, query: str, **body: Any
) -> list[dict[str, Any]]:
    r = await http.post(f"/knowledge/{base_id}/search", json={"query": query, **body})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])
