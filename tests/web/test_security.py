"""Untrusted text executes nothing, another site cannot act with a person's session, and every
page carries the security headers, in a real browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.support import free_port
from tests.web.conftest import Watch, screenshot
from tests.web.pages import create_assistant, register_in_browser

XSS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=\"alert('img')\">",
    "<svg onload=alert('svg')><circle r=5 /></svg>",
    "<a href=\"javascript:alert('href')\">click me</a>",
    "[markdown link](javascript:alert('md'))",
    "[entity link](jav&#x61;script:alert('entity'))",
    "![image](https://example.invalid/x.png\" onerror=\"alert('md-img'))",
    "![svg image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "&lt;script&gt;alert('entities')&lt;/script&gt; &#60;b onmouseover=alert(1)&#62;",
    "<iframe src=\"javascript:alert('frame')\"></iframe>",
    "<details open ontoggle=alert('toggle')>",
    "`<script>alert('code')</script>` and\n```html\n<script>alert('block')</script>\n```",
    "<style>*{display:none}</style><form action=/sign-out><button>x</button></form>",
]
PAYLOAD = "\n\n".join(XSS)
TITLE = "<script>alert('title')</script><img src=x onerror=alert('title')>"
NAME = "<svg onload=alert('name')>Evil</svg>"


def csrf(page: Page) -> dict[str, str]:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    return {"X-CSRF-Token": token}


def test_untrusted_text_executes_nothing(page: Page, watch: Watch) -> None:
    register_in_browser(page)
    assistant_id = create_assistant(page, "Plain")
    headers = csrf(page)
    r = page.request.patch(f"/assistants/{assistant_id}", data={"name": NAME}, headers=headers)
    assert r.ok, r.text()
    r = page.request.post("/threads", data={"metadata": {"title": TITLE}}, headers=headers)
    assert r.ok, r.text()
    thread_id = r.json()["thread_id"]
    # A model answer, stored as the model would have stored it (threads' state API).
    r = page.request.post(
        f"/threads/{thread_id}/state",
        data={
            "values": {
                "messages": [
                    {"type": "human", "content": PAYLOAD},
                    {"type": "ai", "content": PAYLOAD},
                ]
            },
            "as_node": "model",
        },
        headers=headers,
    )
    assert r.ok, r.text()

    for path in (
        "/",
        "/app/chat",
        f"/app/chat/{thread_id}",
        f"/app/chat?q={TITLE[:10]}",
        "/app/assistants",
        f"/app/assistants/{assistant_id}",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
    expect(page.get_by_label("Name", exact=True)).to_have_value(NAME)

    page.goto(f"/app/chat/{thread_id}")
    answer = page.locator("#messages .message.assistant .text")
    # The answer is shown as text: the tags are visible characters, not elements.
    expect(answer).to_contain_text("<script>alert('script')</script>")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert answer.locator("script, img, svg, iframe, details, style, form").count() == 0
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert all(h.startswith(("http:", "https:", "mailto:")) for h in hrefs), hrefs
    user = page.locator("#messages .message.user .text")
    assert user.locator("*").count() == 0
    screenshot(page, "chat-xss")

    # The stored answer is also swapped in after a run (the fragment the script fetches).
    fragment = page.request.get(f"/app/chat/{thread_id}/messages").text()
    i = fragment.find("<script>")
    assert i < 0, fragment[max(0, i - 300) : i + 200]
    assert watch.dialogs == [], watch.dialogs
    assert watch.page_errors == [], watch.page_errors
    # A script that reached the DOM would be refused by the CSP, which logs an error.
    assert watch.console_errors == [], watch.console_errors


class _Attacker(BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path, "not found").encode()
        self.send_response(200 if self.path in self.pages else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def attacker(base_url: str) -> Iterator[str]:
    """Another origin on loopback (another port: the same site, so SameSite=Lax cookies are
    sent along; only the CSRF token stops it) serving pages that post to Atrium."""
    auto = "<script>document.forms[0].submit()</script>"
    _Attacker.pages = {
        "/sign-out": f'<form method="post" action="{base_url}/sign-out"></form>{auto}',
        "/thread": (
            f'<form method="post" enctype="text/plain" action="{base_url}/threads">'
            '<input name=\'{"metadata": {"title": "planted", "x": "\' value=\'"}}\'></form>'
            f"{auto}"
        ),
        "/key": (
            f'<form method="post" enctype="text/plain" action="{base_url}/api-keys">'
            '<input name=\'{"name": "stolen", "x": "\' value=\'"}\'></form>'
            f"{auto}"
        ),
        "/fetch": (
            "<script>fetch('" + base_url + "/threads', {method: 'POST', credentials: 'include',"
            " mode: 'no-cors', headers: {'Content-Type': 'text/plain'},"
            " body: JSON.stringify({metadata: {title: 'planted'}})})"
            ".finally(() => document.title = 'sent')</script>"
        ),
    }
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_csrf_from_another_origin_changes_nothing(page: Page, attacker: str) -> None:
    register_in_browser(page)
    sent_cookie: list[bool] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and not request.url.startswith(attacker):
            sent_cookie.append("atrium_session=" in request.all_headers().get("cookie", ""))

    page.on("request", seen)
    for path in ("/sign-out", "/thread", "/key"):
        with page.expect_navigation():
            page.goto(f"{attacker}{path}")
        page.wait_for_load_state("load")
        assert "came from another site" in page.content(), path
    page.remove_listener("request", seen)
    page.goto(f"{attacker}/fetch")
    expect(page).to_have_title("sent")
    # The browser did send the session cookie (same site): the CSRF token is what refused.
    assert sent_cookie and all(sent_cookie), sent_cookie

    page.goto("/")
    expect(page.get_by_role("heading", name="Get started")).to_be_visible()  # still signed in
    threads = page.request.post("/threads/search", data={}, headers=csrf(page)).json()
    assert threads == []
    keys = page.request.get("/api-keys").json()
    assert keys["total"] == 0, keys


def test_security_headers_on_every_page(page: Page, base_url: str) -> None:
    register_in_browser(page)
    create_assistant(page, "Headers")
    page.goto("/app/chat")
    paths = [
        "/",
        "/app/chat",
        "/app/assistants",
        "/app/assistants/new",
        "/app/settings/api-keys",
        "/app/settings/members",
        "/app/chat/00000000-0000-0000-0000-000000000000",  # the 404 page
    ]
    for path in paths:
        response = page.request.get(path)
        headers = response.headers
        assert response.headers["content-type"].startswith("text/html"), path
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
    page.context.clear_cookies()
    for path in ("/sign-in", "/register", "/forgot-password", "/reset-password?token=x"):
        headers = page.request.get(path).headers
        assert headers["content-security-policy"].startswith("default-src 'self'"), path
    page.goto("/app/chat/00000000-0000-0000-0000-000000000000")
    expect(page).to_have_url(
        f"{base_url}/sign-in?next=%2Fapp%2Fchat%2F00000000-0000-0000-0000-000000000000"
    )
