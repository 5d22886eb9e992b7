"""The outbound address guard: which addresses it refuses, and that calls connect to the
address it checked (issue 9, finding 7)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import httpx2
import pytest

from atrium.kit import netguard
from atrium.kit.netguard import (
    BlockedAddress,
    check_public_url,
    guarded_transport,
    guarded_transport2,
    is_public,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address refused, not bound)
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible (deprecated), whatever it embeds
        "::8.8.8.8",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::808:808",  # local-use NAT64, whatever it embeds
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "fe80::1%eth0",
    ],
)
def test_refused(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.216.34",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8, as an IPv6-only network reaches it
        "2002:808:808::1",  # 6to4 of 8.8.8.8
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo, client 8.8.8.8
    ],
)
def test_allowed(address: str) -> None:
    assert is_public(address)


async def test_names_are_resolved_and_checked() -> None:
    with pytest.raises(BlockedAddress):
        await check_public_url("http://localhost:8080/v1")
    with pytest.raises(BlockedAddress):
        await check_public_url("http://[::ffff:7f00:1]/v1")
    with pytest.raises(BlockedAddress):
        await check_public_url("file:///etc/passwd")


class _Listener:
    """A plain HTTP server on 127.0.0.1 that records the requests that reach it."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[_Listener]:
    made = _Listener()
    server = await asyncio.start_server(made._serve, "127.0.0.1", 0)
    made.port = server.sockets[0].getsockname()[1]
    async with server:
        yield made
        server.close()


async def test_a_name_resolving_to_loopback_is_refused_when_connecting(
    listener: _Listener,
) -> None:
    # `localhost` stands for a tenant's provider name re-pointed at 127.0.0.1 after it was
    # stored: nothing checks it before the call, the connection itself is refused.
    async with httpx.AsyncClient(transport=guarded_transport()) as client:
        with pytest.raises(BlockedAddress):
            await client.get(f"http://localhost:{listener.port}/v1/models")
        with pytest.raises(BlockedAddress):
            await client.get(f"http://127.0.0.1:{listener.port}/v1/models")
    async with httpx2.AsyncClient(transport=guarded_transport2()) as client2:
        with pytest.raises(BlockedAddress):
            await client2.get(f"http://localhost:{listener.port}/v1/models")
    assert listener.requests == []


async def test_the_checked_address_is_the_one_connected_to(
    listener: _Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name only the guard's own lookup knows, and 127.0.0.1 counted as public for this
    # test: the request reaches the listener, so the connection went to the address the
    # guard resolved and checked, and the Host header still names the host.
    loop = asyncio.get_running_loop()
    lookups: list[str] = []

    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(netguard, "is_public", lambda address: address == "127.0.0.1")
    for transport in (guarded_transport(),):
        async with httpx.AsyncClient(transport=transport) as client:
            r = await client.get(f"http://provider.rebind.test:{listener.port}/v1/models")
            assert r.text == "ok"
    async with httpx2.AsyncClient(transport=guarded_transport2()) as client2:
        r2 = await client2.get(f"http://provider.rebind.test:{listener.port}/v1/models")
        assert r2.text == "ok"
    assert lookups == ["provider.rebind.test", "provider.rebind.test"]
    assert all(
        f"host: provider.rebind.test:{listener.port}".encode() in head.lower()
        for head in listener.requests
    )
    assert len(listener.requests) == 2
