"""The settings pages, as an owner and as a plain member: every change goes through the JSON
API from the page, admin pages refuse a member with a sentence, secrets are never shown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.billing import fake_stripe
from tests.billing.fake_stripe import FakeStripe
from tests.mcp_servers.server import serve_http
from tests.support import (
    Account,
    AtriumProcess,
    EmbeddedPostgres,
    Mailbox,
    atrium_env,
    free_port,
    link_token,
    platform_admin_of,
    register,
    set_plan,
    unique_email,
)
from tests.web.conftest import DESKTOP, Watch, screenshot
from tests.web.pages import PASSWORD, sign_in

ADMIN_PAGES = ("/app/settings/provider-keys", "/app/settings/mcp-servers", "/app/settings/audit")


def accept_dialogs(page: Page, watch: Watch) -> None:
    """Say yes to the page's confirm() questions (the watch would dismiss them)."""
    page.remove_listener("dialog", watch.on_dialog)

    def accept(dialog: Dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.on("dialog", accept)


def owner_in_browser(page: Page, base_url: str, name: str) -> Account:
    owner = register(base_url, password=PASSWORD, full_name=name)
    sign_in(page, owner.email)
    return owner


def test_an_owner_uses_every_settings_page(
    page: Page, base_url: str, watch: Watch, web_mailbox: Mailbox
) -> None:
    owner = set_plan(owner_in_browser(page, base_url, "Grace Hopper"), "gold")
    accept_dialogs(page, watch)

    # Profile: name, e-mail and its state, password, workspaces.
    page.goto("/app/settings/profile")
    expect(page.get_by_text(owner.email).first).to_be_visible()
    expect(page.locator("#email-state")).to_have_text(re.compile("Not confirmed yet"))
    page.get_by_role("button", name="Send the confirmation link again").click()
    expect(page.get_by_text("A new link is on its way")).to_be_visible()
    web_mailbox.wait_for(owner.email, subject="Confirm")
    page.get_by_label("Name").fill("Grace B. Hopper")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_label("Name")).to_have_value("Grace B. Hopper")
    assert page.request.get("/users/me").json()["full_name"] == "Grace B. Hopper"
    expect(page.get_by_role("link", name="E-mail me a reset link")).to_have_attribute(
        "href", "/forgot-password"
    )
    expect(
        page.get_by_role("cell", name="Grace Hopper's workspace (signed in here)")
    ).to_be_visible()
    screenshot(page, "settings-profile")

    # Provider keys: the secret goes in once and only its last four characters come back.
    page.goto("/app/settings/provider-keys")
    expect(page.get_by_text("No provider keys yet")).to_be_visible()
    secret = "sk-test-do-not-show-me-0123456789wxyz"
    page.get_by_label("Provider", exact=True).select_option("openai")
    page.get_by_label("API key").fill(secret)
    page.get_by_role("button", name="Save key").click()
    expect(page.get_by_role("cell", name="…wxyz")).to_be_visible()
    assert secret not in page.content()
    assert secret not in page.request.get("/provider-keys").text()
    screenshot(page, "settings-provider-keys")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No provider keys yet")).to_be_visible()

    # MCP servers: a loopback address is refused with the guard's sentence, nothing stored.
    page.goto("/app/settings/mcp-servers")
    expect(page.get_by_text("No MCP servers yet")).to_be_visible()
    page.get_by_label("Name", exact=False).first.fill("local")
    page.get_by_label("URL").fill("http://127.0.0.1:9/mcp")
    page.get_by_label("Credentials", exact=False).fill("Authorization: Bearer hush")
    page.get_by_role("button", name="Register server").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(re.compile("private|loopback|not allowed|may not", re.I))
    assert page.request.get("/mcp-servers").json() == []
    screenshot(page, "settings-mcp-servers-refused")

    # Allowed onto its network by a platform administrator, a real MCP server registers; its
    # tools are listed, refreshed and gone with it.
    r = platform_admin_of(base_url).patch(
        f"/admin/tenants/{owner.tenant_id}", json={"allow_private_provider_urls": True}
    )
    assert r.status_code == 200, r.text
    with serve_http("mcp-web-token") as url:
        page.get_by_label("URL").fill(url)
        page.get_by_label("Credentials", exact=False).fill("Authorization: Bearer mcp-web-token")
        page.get_by_role("button", name="Register server").click()
        server = page.locator("li.server")
        expect(server).to_contain_text(re.compile(r"\d+ tools, found"))
        assert "mcp-web-token" not in page.content()
        server.get_by_text("See its tools").click()
        expect(server.get_by_text("local__add")).to_be_visible()
        screenshot(page, "settings-mcp-servers")
        with page.expect_navigation():  # reloaded once the tools were discovered again
            server.get_by_role("button", name="Refresh tools").click()
        expect(page.locator("li.server")).to_contain_text("with credentials")
        page.locator("li.server").get_by_role("button", name="Delete").click()
        expect(page.get_by_text("No MCP servers yet")).to_be_visible()

    # Plan: without Stripe the page says how plans change, and offers no paid button.
    page.goto("/app/settings/plan")
    expect(page.get_by_role("heading", name=re.compile("Your plan: Gold"))).to_be_visible()
    expect(page.locator("#plan-help")).to_contain_text("a platform administrator")
    expect(page.get_by_role("button", name=re.compile("Upgrade"))).to_have_count(0)
    screenshot(page, "settings-plan")

    # Usage: a call through the gateway shows up in the chart, the table and the CSV.
    r = owner.api.post(
        "/v1/chat/completions",
        json={"model": "scripted/fast", "messages": [{"role": "user", "content": "Hi"}]},
    )
    assert r.status_code == 200, r.text
    page.goto("/app/settings/usage?days=7")
    for _ in range(20):
        if page.locator("dl.totals dd").first.inner_text() != "0":
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("dl.totals dd").first).to_have_text("1")
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    assert chart.locator("rect.bar").count() == 7
    assert "tokens" in (chart.locator("rect.bar title").last.text_content() or "")
    expect(page.get_by_text("Every call in this workspace")).to_be_visible()
    export = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert export
    csv = page.request.get(export)
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "scripted/fast" in csv.text()
    screenshot(page, "settings-usage")
    page.goto("/app/settings/usage?days=lots")
    expect(page.get_by_text("“days” must be a whole number")).to_be_visible()

    # Audit log: the key's story, filtered by action.
    page.goto("/app/settings/audit")
    expect(page.get_by_role("cell", name="provider_key.created")).to_be_visible()
    page.get_by_label("Action").fill("provider_key.deleted")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=provider_key\.deleted"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("cell", name="Grace B. Hopper")).to_be_visible()
    screenshot(page, "settings-audit")
    page.get_by_label("Action").fill("nothing.like.this")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Nothing recorded with the action")).to_be_visible()
    for path in (
        *ADMIN_PAGES,
        "/app/settings/profile",
        "/app/settings/plan",
        "/app/settings/usage",
    ):
        csp = page.request.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
    # The refused registration and the bad period answered 400: nothing else went wrong.
    assert watch.page_errors == []
    assert all("status of 400" in e for e in watch.console_errors), watch.console_errors


def test_a_member_sees_their_own_and_is_refused_the_admin_pages(
    page: Page, base_url: str, watch: Watch, web_mailbox: Mailbox
) -> None:
    owner = register(base_url, password=PASSWORD, full_name="Grace")
    colleague = unique_email("member")
    r = owner.api.post("/tenants/current/members", json={"email": colleague, "role": "member"})
    assert r.status_code == 201, r.text
    token = link_token(web_mailbox.wait_for(colleague, subject="invited"), "/invitations/accept")
    page.goto(f"/invitations/accept?token={token}")
    page.get_by_role("link", name="Create an account and join").click()
    page.get_by_label("Your name").fill("Mo Member")
    page.get_by_label("E-mail").fill(colleague)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace's workspace")

    nav = page.get_by_role("navigation", name="Settings")
    page.goto("/app/settings/profile")
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    for path in ADMIN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_text("Only the workspace's owners and admins can open")).to_be_visible()
    screenshot(page, "settings-refused")

    page.goto("/app/settings/usage")
    expect(page.get_by_text("Your own calls")).to_be_visible()
    expect(page.get_by_text("No calls in this period yet")).to_be_visible()

    page.goto("/app/settings/plan")
    expect(page.locator("#plan-help")).to_have_text(
        "Only the workspace's owner can change its plan."
    )
    expect(page.locator("button.plan-choice")).to_have_count(0)

    # Members: a plain member sees no controls over others, and the API refuses them anyway
    # with its own sentence.
    page.goto("/app/settings/members")
    expect(page.get_by_role("button", name="Change")).to_have_count(0)
    expect(page.get_by_role("button", name="Leave")).to_have_count(1)
    token_meta = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    refused = page.request.patch(
        f"/tenants/current/members/{owner.user_id}",
        data={"role": "member"},
        headers={"X-CSRF-Token": token_meta},
    )
    assert refused.status == 403
    screenshot(page, "settings-members-member")
    assert watch.page_errors == []


def test_an_owner_changes_roles_and_removes_a_member(
    page: Page, base_url: str, watch: Watch, web_mailbox: Mailbox
) -> None:
    owner = owner_in_browser(page, base_url, "Grace")
    accept_dialogs(page, watch)
    colleague = unique_email("colleague")
    r = owner.api.post("/tenants/current/members", json={"email": colleague, "role": "member"})
    assert r.status_code == 201, r.text
    person = register(base_url, email=colleague, full_name="Ada")
    token = link_token(web_mailbox.wait_for(colleague, subject="invited"), "/invitations/accept")
    assert person.api.post("/invitations/accept", json={"token": token}).status_code == 200

    page.goto("/app/settings/members")
    role = page.get_by_label(f"{colleague} is")
    role.select_option("admin")
    with page.expect_navigation():  # the page reloads once the API said yes
        role.locator("xpath=..").get_by_role("button", name="Change").click()
    expect(page.get_by_label(f"{colleague} is")).to_have_value("admin")
    members = owner.api.get("/tenants/current/members").json()["items"]
    assert {m["email"]: m["role"] for m in members}[colleague] == "admin"

    # The last owner cannot step down: the API's sentence appears next to the control.
    mine = page.get_by_label(f"{owner.email} is")
    mine.select_option("member")
    form = mine.locator("xpath=..")
    form.get_by_role("button", name="Change").click()
    expect(form.get_by_role("alert")).to_contain_text("owner")
    screenshot(page, "settings-members")

    row = page.get_by_role("row").filter(has_text=colleague)
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("cell", name=colleague)).to_have_count(0)
    assert any("Remove" in d for d in watch.dialogs)


@pytest.fixture(scope="module")
def stripe_api() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def paying_server(
    stripe_api: FakeStripe, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    """A second live Atrium whose Stripe is the stand-in speaking Stripe's wire format (the
    session's server has no Stripe, so its plan page shows the other sentence)."""
    folder = tmp_path_factory.mktemp("paying")
    env = atrium_env(
        ATRIUM_DATA_DIR=str(folder / "data"),
        ATRIUM_PORT=str(free_port()),
        ATRIUM_STRIPE_SECRET_KEY=fake_stripe.SECRET_KEY,
        ATRIUM_STRIPE_WEBHOOK_SECRET=fake_stripe.WEBHOOK_SECRET,
        ATRIUM_STRIPE_PRICES=json.dumps(fake_stripe.PRICES),
        ATRIUM_STRIPE_API_BASE=stripe_api.url,
    )
    proc = AtriumProcess(env=env, log_path=folder / "atrium.log", port=int(env["ATRIUM_PORT"]))
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()
        EmbeddedPostgres(folder / "data").stop()


def test_upgrade_goes_to_stripe_checkout(
    browser: Browser, paying_server: AtriumProcess, stripe_api: FakeStripe
) -> None:
    context = browser.new_context(viewport=DESKTOP, base_url=paying_server.url)
    try:
        page = context.new_page()
        # Stripe's page cannot be reached from here: answer for it, and see that we got there.
        page.route(
            "https://checkout.stripe.com/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Pay</h1>"),
        )
        owner = register(paying_server.url, password=PASSWORD, full_name="Paying Owner")
        sign_in(page, owner.email)
        page.goto("/app/settings/plan")
        expect(page.locator("#plan-help")).to_have_count(0)
        screenshot(page, "settings-plan-stripe")
        page.get_by_role("button", name="Upgrade to Premium").click()
        expect(page).to_have_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/cs_test_"))
        checkout = stripe_api.checkouts()[-1]
        assert checkout.form["client_reference_id"] == owner.tenant_id
        assert checkout.form["line_items[0][price]"] == fake_stripe.PRICES["premium"]
        # Nothing changes until Stripe reports the payment.
        assert owner.api.get("/tenants/current").json()["plan_id"] == "basic"
    finally:
        context.close()
