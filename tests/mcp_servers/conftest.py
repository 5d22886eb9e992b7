"""A real MCP server (tests/mcp_servers/server.py) over streamable HTTP for the module, and
tenants allowed to reach it on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.inprocess import Accounts, Principal
from tests.mcp_servers.server import serve_http

TOKEN = "mcp-bearer-canary-7f3a9c2e51"


@pytest.fixture(scope="session")
def mcp_url() -> Iterator[str]:
    with serve_http(TOKEN) as url:
        yield url


async def allow_private(accounts: Accounts, who: Principal) -> None:
    """What a platform administrator does for a tenant whose servers are on its network."""
    admin = await accounts.platform_admin()
    r = await admin.http.patch(
        f"/admin/tenants/{who.tenant_id}", json={"allow_private_provider_urls": True}
    )
    assert r.status_code == 200, r.text
