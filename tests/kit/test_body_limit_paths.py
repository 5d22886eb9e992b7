"""Which paths get a larger body cap: a prefix, or a pattern whose `*` is one segment."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from atrium.kit.http import BodyLimitMiddleware


async def _echo_size(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def _client() -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/{path:path}", _echo_size, methods=["POST"])])
    limited = BodyLimitMiddleware(
        app, max_bytes=10, larger={"/knowledge/": 100, "/threads/*/files": 100}
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/knowledge/b1/files", 200),
        ("/threads/t1/files", 200),
        ("/threads/t1/runs", 413),
        ("/threads/t1/files/f1", 413),
        ("/threads//files", 413),
        ("/threads/t1/x/files", 413),
        ("/assistants", 413),
    ],
)
async def test_larger_cap_by_prefix_or_one_segment_pattern(path: str, status: int) -> None:
    async with _client() as client:
        r = await client.post(path, content=b"x" * 50)
    assert r.status_code == status, (path, r.text)
    if status == 200:
        assert r.text == "50"
