"""URL ingestion through the outbound guard: a page served by the test (for a tenant whose
platform administrator allowed private addresses), SSRF refusals for a tenant without that,
and a URL that redirects forever."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.inprocess import Accounts, Principal, assert_error
from tests.knowledge.support import make_base, search, settled

PAGE = b"""<!doctype html><html><head><title>Lighthouse keeping</title>
<script>var ignored = "do not index scripts";</script></head>
<body><nav>Home | About</nav><article><h1>Lighthouse keeping</h1>
<p>The keeper of the Skerryvore lighthouse trimmed the lamp wicks every four hours through
the night and logged the weather at dawn.</p></article></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def pages() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def _allow_private(accounts: Accounts, who: Principal) -> None:
    admin = await accounts.platform_admin()
    r = await admin.http.patch(
        f"/admin/tenants/{who.tenant_id}", json={"allow_private_provider_urls": True}
    )
    assert r.status_code == 200, r.text


async def test_a_page_is_fetched_parsed_and_searchable(
    accounts: Accounts, owner: Principal, pages: str
) -> None:
    await _allow_private(accounts, owner)
    base = await make_base(owner.http)
    r = await owner.http.post(f"/knowledge/{base['id']}/urls", json={"url": f"{pages}/keeper"})
    assert r.status_code == 202, r.text
    made = r.json()
    assert made["source_url"] == f"{pages}/keeper" and made["status"] == "queued"
    done = await settled(owner.http, f"/knowledge/{base['id']}/files/{made['id']}")
    assert done["status"] == "ready" and done["kind"] == "html", done
    hits = await search(owner.http, base["id"], "how often were the lamp wicks trimmed")
    assert hits and hits[0]["file_id"] == made["id"]
    assert "every four hours" in hits[0]["snippet"] and "do not index" not in hits[0]["snippet"]


async def test_a_url_that_redirects_forever_is_refused_with_a_reason(
    accounts: Accounts, owner: Principal, pages: str
) -> None:
    await _allow_private(accounts, owner)
    base = await make_base(owner.http)
    r = await owner.http.post(f"/knowledge/{base['id']}/urls", json={"url": f"{pages}/loop"})
    assert r.status_code in (400, 422), r.text
    assert "redirect" in r.json()["error"]["message"].lower(), r.text
    assert (await owner.http.get(f"/knowledge/{base['id']}/files")).json() == []


SSRF = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://2130706433/",
    "http://0x7f000001/",
]


async def test_private_addresses_are_refused_and_nothing_is_stored(owner: Principal) -> None:
    base = await make_base(owner.http)
    for url in SSRF:
        r = await owner.http.post(f"/knowledge/{base['id']}/urls", json={"url": url})
        assert_error(r, 400, "outbound_refused")
    assert (await owner.http.get(f"/knowledge/{base['id']}/files")).json() == []
