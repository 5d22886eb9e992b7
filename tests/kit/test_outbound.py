"""The one outbound path (`atrium.kit.outbound`): what it refuses before any connection,
redirects checked again, caps on redirects, size and time, and the tenant's allowlist."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from atrium.kit import netguard
from atrium.kit.outbound import (
    OutboundFailed,
    OutboundPolicy,
    OutboundRefused,
    fetch,
    host_allowed,
)
from atrium.runs import webhooks
from tests.tools.web import WebServer

PUBLIC_ONLY = OutboundPolicy()
PRIVATE_OK = OutboundPolicy(allow_private=True)


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


SSRF_URLS = [
    "http://127.0.0.1:{port}/page",
    "http://localhost:{port}/page",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/page",
    "http://[::ffff:127.0.0.1]:{port}/page",
    "http://[64:ff9b::7f00:1]:{port}/page",
    "http://2130706433:{port}/page",
    "http://0x7f000001:{port}/page",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/_page",
    "http://user:secret@example.com/",
    "ftp://example.com/",
]


@pytest.mark.parametrize("url", SSRF_URLS)
async def test_refused_before_any_request(web: WebServer, url: str) -> None:
    with pytest.raises(OutboundRefused) as refused:
        await fetch(url.format(port=web.port), PUBLIC_ONLY)
    assert refused.value.status_code == 400
    assert refused.value.code == "outbound_refused"
    assert web.requests == []


async def test_private_allowed_reaches_loopback(web: WebServer) -> None:
    fetched = await fetch(f"{web.url}/text", PRIVATE_OK)
    assert fetched.status == 200
    assert fetched.body == b"Plain words, nothing else."
    assert fetched.content_type.startswith("text/plain")


async def test_redirect_to_a_private_address_is_refused(
    web: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Exactly 127.0.0.1 counts as public: the first hop is served, the redirect's target
    # (127.0.0.2, private) must be refused when it is connected to.
    real = netguard.is_public
    monkeypatch.setattr(netguard, "is_public", lambda a: a == "127.0.0.1" or real(a))
    ok = await fetch(f"{web.url}/text", PUBLIC_ONLY)
    assert ok.body == b"Plain words, nothing else."
    target = f"http://127.0.0.2:{web.port}/page"
    with pytest.raises(OutboundRefused):
        await fetch(f"{web.url}/redirect?to={target}", PUBLIC_ONLY)
    assert web.paths("/page") == []
    assert len(web.paths("/redirect")) == 1


async def test_redirect_loop(web: WebServer) -> None:
    policy = OutboundPolicy(allow_private=True, max_redirects=3)
    with pytest.raises(OutboundFailed, match="More than 3 redirects"):
        await fetch(f"{web.url}/loop", policy)
    assert len(web.paths("/loop")) == 4


async def test_no_redirects_when_capped_at_zero(web: WebServer) -> None:
    policy = OutboundPolicy(allow_private=True, max_redirects=0)
    with pytest.raises(OutboundFailed, match="More than 0 redirects"):
        await fetch(f"{web.url}/redirect?to=/text", policy)
    assert web.paths("/text") == []


@pytest.mark.parametrize("path", ["/big", "/chunked"])
async def test_body_over_the_cap(web: WebServer, path: str) -> None:
    policy = OutboundPolicy(allow_private=True, max_bytes=50_000)
    with pytest.raises(OutboundFailed, match="larger than 50000 bytes"):
        await fetch(f"{web.url}{path}", policy)
    # Under a cap that fits, the same answers are read whole.
    roomy = OutboundPolicy(allow_private=True, max_bytes=500_000)
    assert len((await fetch(f"{web.url}{path}", roomy)).body) == 200_000


async def test_slow_server_times_out(web: WebServer) -> None:
    policy = OutboundPolicy(allow_private=True, timeout_seconds=0.5)
    with pytest.raises(OutboundFailed, match=r"No answer within 0\.5 seconds"):
        await fetch(f"{web.url}/slow", policy)


async def test_error_status_fails(web: WebServer) -> None:
    with pytest.raises(OutboundFailed, match="HTTP 404"):
        await fetch(f"{web.url}/missing", PRIVATE_OK)


def test_allowlist_hosts_and_subdomains() -> None:
    allow = ("example.com", "*.docs.test")
    assert host_allowed("example.com", allow)
    assert host_allowed("EXAMPLE.com.", allow)
    assert host_allowed("www.example.com", allow)
    assert host_allowed("api.docs.test", allow)
    assert host_allowed("docs.test", allow)
    assert not host_allowed("example.com.evil.test", allow)
    assert not host_allowed("notexample.com", allow)
    assert not host_allowed("other.test", allow)
    assert host_allowed("anything.test", ())


async def test_allowlist_admits_listed_host_and_refuses_others(web: WebServer) -> None:
    policy = OutboundPolicy(allow_private=True, allowlist=("localhost",))
    fetched = await fetch(f"http://localhost:{web.port}/text", policy)
    assert fetched.body == b"Plain words, nothing else."
    with pytest.raises(OutboundRefused, match="not on this organisation's allowlist"):
        await fetch(f"{web.url}/text", policy)
    assert len(web.paths("/text")) == 1


async def test_redirect_off_the_allowlist_is_refused(web: WebServer) -> None:
    policy = OutboundPolicy(allow_private=True, allowlist=("localhost",))
    target = f"{web.url}/page"  # 127.0.0.1: not on the list
    with pytest.raises(OutboundRefused, match="allowlist"):
        await fetch(f"http://localhost:{web.port}/redirect?to={target}", policy)
    assert web.paths("/page") == []
    assert len(web.paths("/redirect")) == 1


async def test_webhooks_go_through_the_same_path(web: WebServer) -> None:
    secret = webhooks.secret_for("test secret", uuid.uuid4())
    payload = {"run_id": "r"}
    # Delivered where private addresses are allowed; a redirect is answered, never followed.
    assert await webhooks.deliver(f"{web.url}/text", payload, secret=secret, allow_private=True)
    moved = f"{web.url}/redirect?to=/page"
    assert not await webhooks.deliver(moved, payload, secret=secret, allow_private=True)
    assert web.paths("/page") == []
    requests = len(web.requests)
    # Refused before any request: a private address, credentials, another scheme.
    for url in (
        f"{web.url}/text",
        f"http://user:pw@127.0.0.1:{web.port}/text",
        f"ftp://127.0.0.1:{web.port}/text",
    ):
        allowed = url != f"{web.url}/text"
        assert not await webhooks.deliver(url, payload, secret=secret, allow_private=allowed)
    # Off the tenant's allowlist: refused too.
    listed = ("localhost",)
    text = f"{web.url}/text"
    assert not await webhooks.deliver(
        text, payload, secret=secret, allow_private=True, allowlist=listed
    )
    assert len(web.requests) == requests
    on_list = f"http://localhost:{web.port}/text"
    assert await webhooks.deliver(
        on_list, payload, secret=secret, allow_private=True, allowlist=listed
    )
    assert len(web.requests) == requests + 1
