"""Who sees what: another tenant's pages answer 404, recovery by e-mail works from the pages,
and a person in two tenants switches between them."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support import Mailbox, link_token, register, unique_email
from tests.web.conftest import DESKTOP, Watch, screenshot
from tests.web.pages import (
    PASSWORD,
    create_assistant,
    register_in_browser,
    send_message,
    sign_in,
    thread_id_of,
)


def test_second_tenant_gets_404_on_the_first_tenants_pages(
    page: Page, browser: Browser, base_url: str, watch: Watch
) -> None:
    register_in_browser(page)
    assistant_id = create_assistant(page, "Private")
    page.goto("/app/chat")
    send_message(page, "Private", "A private question")
    thread_id = thread_id_of(page)
    expect(page.get_by_role("heading", name="A private question")).to_be_visible(timeout=30_000)

    other: BrowserContext = browser.new_context(viewport=DESKTOP, base_url=base_url)
    try:
        stranger = other.new_page()
        register_in_browser(stranger, name="Stranger")
        for path in (
            f"/app/chat/{thread_id}",
            f"/app/chat/{thread_id}/messages",
            f"/app/assistants/{assistant_id}",
        ):
            response = stranger.goto(path)
            assert response is not None and response.status == 404, path
            expect(stranger.get_by_role("heading", name="Not found")).to_be_visible()
            assert "A private question" not in stranger.content()
        screenshot(stranger, "not-found")
        # The same through the API the pages' script calls, with the stranger's cookie.
        assert stranger.request.get(f"/threads/{thread_id}").status == 404
        assert stranger.request.get(f"/assistants/{assistant_id}").status == 404
        stranger.goto("/app/chat")
        expect(stranger.get_by_text("A private question")).to_have_count(0)
    finally:
        other.close()
    assert watch.page_errors == []


def test_forgot_and_reset_password(page: Page, web_mailbox: Mailbox) -> None:
    email = register_in_browser(page)
    old_session = next(c for c in page.context.cookies() if c["name"] == "atrium_session")
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("on its way")
    screenshot(page, "forgot-password")

    token = link_token(web_mailbox.wait_for(email, subject="Reset"), "/reset-password")
    page.goto(f"/reset-password?token={token}")
    page.get_by_label("New password").fill("short")
    page.get_by_label("New password").evaluate("input => input.removeAttribute('minlength')")
    page.get_by_role("button", name="Save and sign in again").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The password must be between 8 and 128 characters."
    )
    page.get_by_label("New password").fill("a brand new password")
    page.get_by_role("button", name="Save and sign in again").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")

    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That e-mail and password do not match an account."
    )
    sign_in(page, email, password="a brand new password")
    # The session from before the reset was ended with it.
    stale = page.request.get(
        "/auth/me", headers={"cookie": f"atrium_session={old_session['value']}"}
    )
    assert stale.status == 401

    page.goto(f"/reset-password?token={token}")
    page.get_by_label("New password").fill("yet another password")
    page.get_by_role("button", name="Save and sign in again").click()
    expect(page.get_by_role("alert")).to_contain_text("expired or was used already")


def test_switch_between_tenants(page: Page, base_url: str, web_mailbox: Mailbox) -> None:
    owner = register(base_url, full_name="Grace")
    email = unique_email("two-tenants")
    invited = owner.api.post("/tenants/current/members", json={"email": email, "role": "member"})
    assert invited.status_code == 201, invited.text
    person = register(base_url, email=email, full_name="Ada")
    token = link_token(web_mailbox.wait_for(email, subject="invited"), "/invitations/accept")
    accepted = person.api.post("/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text

    sign_in(page, email, password=person.password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada's workspace")
    page.get_by_label("Workspace").select_option(label="Grace's workspace (member)")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace's workspace")
    screenshot(page, "dashboard-two-tenants")
    me = page.request.get("/auth/me").json()
    assert me["tenant"]["id"] == owner.tenant_id and me["role"] == "member"


def test_invite_a_colleague_from_the_members_page(page: Page, web_mailbox: Mailbox) -> None:
    register_in_browser(page)
    page.goto("/app/settings/members")
    expect(page.get_by_text("No invitation is waiting for an answer.")).to_be_visible()
    colleague = unique_email("colleague")
    page.get_by_label("E-mail").fill(colleague)
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("cell", name=colleague)).to_be_visible()
    web_mailbox.wait_for(colleague, subject="invited")
    screenshot(page, "members")

    page.get_by_label("E-mail").fill("not an address")
    page.get_by_label("E-mail").evaluate("input => input.type = 'text'")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("email")


def test_accept_an_invitation_from_its_link(
    page: Page, browser: Browser, base_url: str, web_mailbox: Mailbox
) -> None:
    owner = register(base_url, full_name="Grace")
    newcomer, existing = unique_email("newcomer"), unique_email("existing")
    for email in (newcomer, existing):
        r = owner.api.post("/tenants/current/members", json={"email": email, "role": "member"})
        assert r.status_code == 201, r.text

    # Someone new creates an account from the link and lands in the inviting workspace.
    message = web_mailbox.wait_for(newcomer, subject="invited")
    token = link_token(message, "/invitations/accept")
    page.goto(f"/invitations/accept?token={token}")
    screenshot(page, "invitation")
    page.get_by_role("link", name="Create an account and join").click()
    page.get_by_label("Your name").fill("Newcomer")
    page.get_by_label("E-mail").fill(newcomer)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace's workspace")

    # Someone with an account signs in first, then joins.
    person = register(base_url, email=existing, full_name="Ada")
    other = browser.new_context(viewport=DESKTOP, base_url=base_url)
    try:
        second = other.new_page()
        token = link_token(web_mailbox.wait_for(existing, subject="invited"), "/invitations/accept")
        second.goto(f"/invitations/accept?token={token}")
        second.get_by_role("link", name="Sign in").click()
        second.get_by_label("E-mail").fill(existing)
        second.get_by_label("Password").fill(person.password)
        second.get_by_role("button", name="Sign in").click()
        second.get_by_role("button", name="Join the workspace").click()
        expect(second.get_by_role("heading", level=1)).to_have_text("Grace's workspace")
        # Used once: the link now explains itself.
        second.goto(f"/invitations/accept?token={token}")
        second.get_by_role("button", name="Join the workspace").click()
        expect(second.get_by_role("alert")).to_contain_text("Ask whoever invited you")
    finally:
        other.close()


def test_confirm_the_email_address_from_its_link(page: Page, web_mailbox: Mailbox) -> None:
    email = register_in_browser(page)
    assert page.request.get("/users/me").json()["email_verified"] is False
    web_mailbox.wait_for(email, subject="Confirm")
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text("A new link is on its way.")).to_be_visible()
    deadline = time.monotonic() + 10
    while web_mailbox.count(email) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    with web_mailbox.lock:
        latest = [m for m in web_mailbox.messages if m["To"] == email][-1]
    token = link_token(latest, "/verify-email")
    page.goto(f"/verify-email?token={token}")
    expect(page.get_by_role("status")).to_have_text("Thank you: your e-mail address is confirmed.")
    assert page.request.get("/users/me").json()["email_verified"] is True
    page.goto(f"/verify-email?token={token}")
    expect(page.get_by_role("alert")).to_contain_text("expired or was used already")
    page.goto("/")
    expect(page.get_by_role("button", name="Send the link again")).to_have_count(0)
