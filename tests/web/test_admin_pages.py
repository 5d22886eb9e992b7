"""The platform administration pages in Chromium: a platform administrator finds a tenant and
changes its plan; anyone else gets the plain 404 page. Also the dashboard's first look (next
steps, meters) and that none of these pages is wider than a 390 px phone."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.support import AtriumProcess
from tests.web.conftest import DESKTOP, PHONE, Watch, screenshot
from tests.web.pages import register_in_browser, sign_in

ADMIN_PAGES = ("/app/admin", "/app/admin/plans", "/app/admin/usage")
OPERATOR_PASSWORD = "platform operator pw"


def assert_fits_phone(page: Page) -> None:
    """Nothing on the page is wider than a 390 px screen (no sideways scrolling)."""
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide at 390 px"
    finally:
        page.set_viewport_size(DESKTOP)


def become_platform_admin(page: Page, server: AtriumProcess) -> str:
    """Register in the browser, be made a platform administrator with the real CLI (which
    sets a new password and so ends the session) and sign in again."""
    email = register_in_browser(page, name="Platform Operator")
    done = subprocess.run(
        [sys.executable, "-m", "atrium.cli", "admin", "create-platform-admin", "--email", email],
        env={**server.env, "ATRIUM_ADMIN_PASSWORD": OPERATOR_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sign_in(page, email, OPERATOR_PASSWORD)
    return email


def test_a_tenants_user_gets_the_404_page(page: Page, watch: Watch) -> None:
    register_in_browser(page)
    expect(page.get_by_role("link", name="Platform")).to_have_count(0)
    for path in ADMIN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.get_by_text("Tenants")).to_have_count(0)
    screenshot(page, "admin-refused")
    assert not watch.page_errors and not watch.dialogs


def test_a_platform_admin_finds_a_tenant_and_changes_its_plan(
    browser: Browser, page: Page, watch: Watch, base_url: str, web_server: AtriumProcess
) -> None:
    # The customer, in a browser of their own.
    tag = uuid.uuid4().hex[:8]
    customer = browser.new_context(viewport=DESKTOP, base_url=base_url)
    try:
        theirs = customer.new_page()
        register_in_browser(theirs, name=f"Tess {tag}")
        assert theirs.request.get("/auth/me").json()["tenant"]["plan_id"] == "basic"

        become_platform_admin(page, web_server)
        page.get_by_role("link", name="Platform").click()
        expect(page).to_have_url(re.compile(r"/app/admin$"))
        expect(page.get_by_role("heading", name="Tenants", exact=True)).to_be_visible()

        page.get_by_label("Find a tenant").fill(tag)
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name=f"1 found for “{tag}”")).to_be_visible()
        tenant = page.locator("li.tenant")
        expect(tenant).to_have_count(1)
        expect(tenant).to_contain_text(f"Tess {tag}'s workspace")
        screenshot(page, "admin-tenants")
        assert_fits_phone(page)

        tenant.get_by_label("Plan").select_option(label="Gold")
        # The form reloads the page once the API has answered: the select then shows what
        # the server stored, not what was picked.
        with page.expect_navigation():
            tenant.get_by_role("button", name="Change plan").click()
        expect(page.locator("li.tenant").get_by_label("Plan")).to_have_value("gold")
        assert theirs.request.get("/auth/me").json()["tenant"]["plan_id"] == "gold"

        page.get_by_label("Find a tenant").fill("no tenant is called this " + tag)
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("No tenant's name contains")).to_be_visible()

        page.get_by_role("navigation", name="Platform").get_by_role("link", name="Plans").click()
        for name in ("Basic", "Premium", "Gold"):
            expect(page.get_by_role("heading", name=re.compile(f"^{name}"))).to_be_visible()
        expect(page.get_by_text("Tokens per month").first).to_be_visible()
        screenshot(page, "admin-plans")
        assert_fits_phone(page)

        page.get_by_role("navigation", name="Platform").get_by_role("link", name="Usage").click()
        expect(page.get_by_role("heading", name="Usage across tenants")).to_be_visible()
        export = page.get_by_role("link", name="Download CSV").get_attribute("href")
        assert export is not None and export.startswith("/admin/usage/export?")
        csv = page.request.get(export)
        assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.text().startswith("tenant_id,day,requests,")
        screenshot(page, "admin-usage")
        assert_fits_phone(page)
    finally:
        customer.close()
    assert not watch.page_errors and not watch.dialogs and not watch.console_errors


def test_the_dashboard_of_an_empty_workspace_fits_a_phone(page: Page, watch: Watch) -> None:
    register_in_browser(page, name="Maximiliane Wolkenstein-Trostburg von Hohenlohe-Langenburg")
    steps = page.locator("section.next-steps")
    for link in ("Create an assistant", "Upload knowledge", "Invite members", "Create an API key"):
        expect(steps.get_by_role("link", name=link)).to_be_visible()
    expect(page.get_by_text("Tokens this month")).to_be_visible()
    expect(page.get_by_role("meter", name=re.compile("^Tokens this month"))).to_be_visible()

    # A second workspace with a long name: the switcher appears and must still fit.
    created = page.evaluate(
        "async (name) => (await api('POST', '/tenants', {name})).status",
        "The Extraordinarily Long-Named Research and Development Workspace of Everyone",
    )
    assert created == 201
    page.reload()
    expect(page.get_by_label("Workspace")).to_be_visible()
    screenshot(page, "dashboard-empty")
    assert_fits_phone(page)
    page.set_viewport_size(PHONE)
    box = page.get_by_role("button", name="Switch").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    page.set_viewport_size(DESKTOP)
    assert not watch.page_errors and not watch.dialogs


def test_no_google_button_without_google_settings(page: Page) -> None:
    # This server has no ATRIUM_GOOGLE_* settings (tests/web/test_google_button.py checks the
    # configured case in process).
    for path in ("/sign-in", "/register"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("link", name="Continue with Google")).to_have_count(0)
