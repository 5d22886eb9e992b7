"""The knowledge pages in a real browser: create a base, upload several files with per-file
progress, watch them become ready, search in every mode, a URL refused by the outbound guard,
delete a file; untrusted file names and document text show as text and execute nothing;
another tenant gets 404; a plan without knowledge says so."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fpdf import FPDF
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.support import platform_admin_of
from tests.web.conftest import DESKTOP, PHONE, Watch, screenshot
from tests.web.pages import register_in_browser
from tests.web.test_security import csrf

# Ingestion runs on the live server's worker (local MiniLM embeddings).
SETTLE_MS = 120_000

LIGHTHOUSE = (
    b"Lighthouse keeping\n\nThe keeper of the Skerryvore lighthouse trimmed the lamp wicks "
    b"every four hours through the night and logged the weather at dawn.\n"
)
XSS_NAMES = [
    "<img src=x onerror=alert('name-img')>.txt",
    "<script>alert('name-script')</script>.txt",
    "javascript:alert('name-href').txt",
    "<svg onload=alert('name-svg')>.txt",
]
SNIPPET = (
    "Zephyrine notes. <script>alert('snippet')</script> <img src=x onerror=alert('snippet-img')> "
    "<a href=\"javascript:alert('snippet-href')\">zephyrine link</a>"
)


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Chapter one. The orchard was planted with apple trees in 1952.")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Chapter two. The cider press in the barn was repaired every autumn.")
    return bytes(pdf.output())


def _create_base(page: Page, name: str) -> str:
    page.goto("/app/knowledge")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("Things the assistants may cite")
    page.get_by_role("button", name="Create base").click()
    # The first base of a server loads the embedding model to learn its dimensions.
    expect(page).to_have_url(re.compile(r"/app/knowledge/[0-9a-f-]{36}$"), timeout=SETTLE_MS)
    return page.url.rsplit("/", 1)[1]


def _all_ready(page: Page, count: int) -> None:
    rows = page.locator("#files tbody tr")
    expect(rows).to_have_count(count)
    for i in range(count):
        expect(rows.nth(i)).to_have_attribute("data-status", "ready", timeout=SETTLE_MS)


def _search(page: Page, query: str, mode: str) -> None:
    page.get_by_label("Question or words").fill(query)
    page.get_by_label("Mode").select_option(mode)
    page.get_by_label("Results").fill("3")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results")).to_have_attribute("data-mode", mode)


def _no_overflow(page: Page) -> None:
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], f"the page is {width}px wide at {PHONE['width']}px"


def test_a_base_from_upload_to_search(
    page: Page, browser: Browser, base_url: str, watch: Watch
) -> None:
    register_in_browser(page)
    page.goto("/app/knowledge")
    expect(page.locator("#no-bases")).to_have_text(
        "No knowledge bases yet. Create a base, then upload files your assistants can cite."
    )
    base_id = _create_base(page, "Field notes")
    expect(page.locator("#no-files")).to_be_visible()

    # Two files at once, each with its own upload progress, then polled until ready.
    page.get_by_label("Files").set_input_files(
        [
            FilePayload(name="lighthouse.txt", mimeType="text/plain", buffer=LIGHTHOUSE),
            FilePayload(name="orchard.pdf", mimeType="application/pdf", buffer=_pdf()),
        ]
    )
    page.get_by_role("button", name="Upload").click()
    uploads = page.locator("#uploads li")
    expect(uploads).to_have_count(2)
    for i in range(2):
        expect(uploads.nth(i).locator("progress")).to_have_js_property("value", 100)
    _all_ready(page, 2)
    expect(uploads.nth(0).locator(".note")).to_have_text("Ready", timeout=SETTLE_MS)
    # Nothing is pending any more: the page stops polling.
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url))
    page.wait_for_timeout(2500)
    assert not [url for url in polls if url.endswith("/files")], polls
    orchard = page.locator("#files tbody tr", has_text="orchard.pdf")
    expect(orchard.locator(".file-status")).to_contain_text("2 pages")

    # Every mode finds the right file first.
    for mode in ("hybrid", "vector", "keyword"):
        _search(page, "when was the cider press repaired", mode)
        first = page.locator("#results li").first
        expect(first.locator(".hit-file")).to_have_text("orchard.pdf")
        expect(first.locator(".hit-where")).to_contain_text("page 2")
        expect(first.locator(".snippet")).to_contain_text("cider press")
        _search(page, "how often were the lamp wicks trimmed", mode)
        expect(page.locator("#results li").first.locator(".hit-file")).to_have_text(
            "lighthouse.txt"
        )
    _search(page, "quantum chromodynamics", "keyword")
    expect(page.locator("#no-results")).to_be_visible()

    # A URL that resolves to a loopback address is refused by the outbound guard.
    page.get_by_label("Address", exact=True).fill("http://localhost:9/internal")
    page.get_by_role("button", name="Add page").click()
    expect(page.locator("#add-url [role=alert]")).to_contain_text(
        "private or loopback address, which is not allowed"
    )
    _search(page, "when was the cider press repaired", "hybrid")
    screenshot(page, "knowledge-base")
    _no_overflow(page)

    listing = page.goto("/app/knowledge")
    assert listing is not None and "script-src 'self'" in listing.headers["content-security-policy"]
    row = page.locator("#bases tbody tr", has_text="Field notes")
    expect(row.locator("td[data-label=Files]")).to_have_text("2")
    expect(row.locator("td[data-label=Chunks]")).to_have_text("3")
    expect(row.locator("td[data-label=Model]")).not_to_be_empty()
    screenshot(page, "knowledge")
    _no_overflow(page)

    # Another tenant's person gets the not-found page and a 404 for the file's content.
    files = page.request.get(f"/knowledge/{base_id}/files").json()
    lighthouse = next(f for f in files if f["name"] == "lighthouse.txt")
    download = f"/knowledge/{base_id}/files/{lighthouse['id']}/content"
    assert page.request.get(download).body() == LIGHTHOUSE
    other = browser.new_context(viewport=DESKTOP, base_url=base_url)
    try:
        stranger = other.new_page()
        register_in_browser(stranger, name="Mallory")
        response = stranger.goto(f"/app/knowledge/{base_id}")
        assert response is not None and response.status == 404
        expect(stranger.get_by_role("heading", name="Not found")).to_be_visible()
        assert stranger.request.get(download).status == 404
        missing = stranger.goto(f"/app/knowledge/{uuid.uuid4()}")
        assert missing is not None and missing.status == 404
        bad = stranger.goto("/app/knowledge/not-an-id")
        assert bad is not None and bad.status == 404
    finally:
        other.close()

    # Delete a file (the confirmation accepted rather than dismissed by `watch`).
    page.goto(f"/app/knowledge/{base_id}")
    page.remove_listener("dialog", watch.on_dialog)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#files tbody tr", has_text="lighthouse.txt").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.locator("#files tbody tr")).to_have_count(1)
    page.reload()
    expect(page.locator("#files tbody tr")).to_have_count(1)
    assert page.request.get(download).status == 404
    # (The console lists the refused URL's 400: a failed request, not an error of the page.)
    assert watch.dialogs == [] and watch.page_errors == []


def test_untrusted_file_names_and_text_execute_nothing(page: Page, watch: Watch) -> None:
    register_in_browser(page)
    base_id = _create_base(page, "Untrusted")
    # Names sent as multipart file names through the API, and one through the page's form.
    for i, name in enumerate(XSS_NAMES):
        r = page.request.post(
            f"/knowledge/{base_id}/files",
            headers=csrf(page),
            multipart={
                "files": FilePayload(
                    name=name,
                    mimeType="text/plain",
                    buffer=f"Harmless file number {i} about kestrels.".encode(),
                )
            },
        )
        assert r.status == 202, r.text()
    page.reload()
    page.get_by_label("Files").set_input_files(
        [FilePayload(name="notes.txt", mimeType="text/plain", buffer=SNIPPET.encode())]
    )
    page.get_by_role("button", name="Upload").click()
    _all_ready(page, len(XSS_NAMES) + 1)
    names = page.locator("#files tbody .file-name")
    shown = [names.nth(i).text_content() for i in range(names.count())]
    assert shown[: len(XSS_NAMES)] == XSS_NAMES
    assert page.locator("#files img, #files script, #files svg").count() == 0
    for i in range(len(XSS_NAMES)):
        href = names.nth(i).get_attribute("href") or ""
        assert href.startswith(f"/knowledge/{base_id}/files/"), href

    _search(page, "zephyrine", "keyword")
    snippet = page.locator("#results li").first.locator(".snippet")
    expect(snippet).to_contain_text("<script>alert('snippet')</script>")
    expect(snippet).to_contain_text("<img src=x onerror=alert('snippet-img')>")
    assert page.locator("#results img, #results script, #results a").count() == 0
    _search(page, "kestrels", "keyword")
    found = page.locator("#results .hit-file")
    expect(found.first).to_have_text(re.compile("|".join(re.escape(n) for n in XSS_NAMES)))

    # A file that fails shows its reason and a Retry button; a retry is queued and fails again.
    failing = "<img src=x onerror=alert('failed')>empty.txt"
    r = page.request.post(
        f"/knowledge/{base_id}/files",
        headers=csrf(page),
        multipart={"files": FilePayload(name=failing, mimeType="text/plain", buffer=b"")},
    )
    assert r.status == 202, r.text()
    page.reload()
    row = page.locator("#files tbody tr", has_text=failing)
    expect(row).to_have_attribute("data-status", "failed", timeout=SETTLE_MS)
    expect(row.locator(".reason")).not_to_be_empty()
    with page.expect_response(lambda response: response.url.endswith("/retry")) as retried:
        row.get_by_role("button", name="Retry").click()
    assert retried.value.status == 202
    expect(row).to_have_attribute("data-status", "failed", timeout=SETTLE_MS)
    expect(row.get_by_role("button", name="Retry")).to_be_visible()
    screenshot(page, "knowledge-untrusted")
    assert watch.dialogs == [] and watch.page_errors == [], (watch.dialogs, watch.page_errors)


def test_a_plan_without_knowledge_says_so(page: Page, base_url: str) -> None:
    register_in_browser(page)
    admin = platform_admin_of(base_url)
    plans: list[dict[str, Any]] = admin.get("/admin/plans").json()
    basic = next(p for p in plans if p["id"] == "basic")
    limits = {**basic["limits"], "features": ["chat"]}
    plan_id = f"nokb-{uuid.uuid4().hex[:8]}"
    r = admin.post(
        "/admin/plans",
        json={
            "id": plan_id,
            "name": "No knowledge",
            "position": 99,
            "monthly_price_cents": 0,
            "limits": limits,
        },
    )
    assert r.status_code == 201, r.text
    tenant_id = page.request.get("/auth/me").json()["tenant"]["id"]
    r = admin.patch(f"/admin/tenants/{tenant_id}", json={"plan_id": plan_id})
    assert r.status_code == 200, r.text
    page.goto("/app/knowledge")
    notice = page.locator("#no-feature")
    expect(notice).to_contain_text("Your plan does not include knowledge bases.")
    expect(notice.get_by_role("link")).to_have_attribute("href", "/app/settings/plan")
    expect(page.get_by_role("button", name="Create base")).to_have_count(0)
    r2 = page.request.post("/knowledge", data={"name": "x"}, headers=csrf(page))
    assert r2.status == 403
