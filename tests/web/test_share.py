"""Share links in a real browser: the owner of a chat makes a link from the chat page, a
colleague in the same workspace opens it (signing in first) and reads the chat without
being able to write in it, another workspace's user gets the 404 page, and a revoked link
stops working."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Browser, Dialog, Page, expect

from tests.support import Mailbox, link_token, register, unique_email
from tests.web.conftest import DESKTOP, PHONE, Watch, screenshot
from tests.web.pages import (
    REPLY,
    create_assistant,
    move_to_plan,
    register_in_browser,
    send_message,
    sign_in,
    thread_id_of,
)

QUESTION = "Which <b>capital</b> is on the Seine?"


def test_share_a_chat_with_a_colleague(
    page: Page, browser: Browser, base_url: str, web_mailbox: Mailbox, watch: Watch
) -> None:
    owner = register(base_url, full_name="Grace")
    colleague_email = unique_email("colleague")
    invited = owner.api.post(
        "/tenants/current/members", json={"email": colleague_email, "role": "member"}
    )
    assert invited.status_code == 201, invited.text
    token = link_token(
        web_mailbox.wait_for(colleague_email, subject="invited"), "/invitations/accept"
    )
    colleague = register(base_url, email=colleague_email, invitation_token=token, full_name="Ada")

    # The owner chats in a context of their own, which accepts the "revoke?" question.
    mine = browser.new_context(viewport=DESKTOP, base_url=base_url)
    try:
        chat = mine.new_page()

        def accept(dialog: Dialog) -> None:
            dialog.accept()

        chat.on("dialog", accept)
        sign_in(chat, owner.email, password=owner.password)
        move_to_plan(chat, base_url)
        create_assistant(chat, "Geographer")
        chat.goto("/app/chat")
        send_message(chat, "Geographer", QUESTION)
        thread_id = thread_id_of(chat)
        expect(chat.locator("#messages .message.assistant")).to_contain_text(REPLY, timeout=30_000)

        chat.get_by_role("button", name="Share").click()
        dialog = chat.get_by_role("dialog", name="Share this chat")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_text("No links yet")).to_be_visible()
        dialog.get_by_role("button", name="Make a link").click()
        expect(dialog.get_by_role("status")).to_contain_text("Link made")
        link = dialog.get_by_label(re.compile("^Link made"))
        expect(link).to_have_count(1)
        url = link.input_value()
        assert re.fullmatch(re.escape(base_url) + r"/app/shared/[0-9a-f-]{36}", url), url
        dialog.get_by_role("button", name="Copy").click()
        expect(dialog.get_by_role("status")).to_contain_text(re.compile("copied|Ctrl\\+C"))
        screenshot(chat, "share-dialog")
        chat.set_viewport_size(PHONE)
        assert chat.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        chat.set_viewport_size(DESKTOP)
        path = urllib.parse.urlsplit(url).path

        # The colleague, signed out, is sent to sign in and comes back to the chat.
        response = page.goto(path)
        assert response is not None
        expect(page).to_have_url(re.compile(r"/sign-in\?next="))
        page.get_by_label("E-mail").fill(colleague.email)
        page.get_by_label("Password").fill(colleague.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{base_url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)
        messages = page.locator("#messages .message")
        expect(messages.first).to_contain_text(QUESTION)  # as text, not as HTML
        expect(messages.nth(1)).to_contain_text(REPLY)
        expect(page.get_by_text("read-only copy")).to_be_visible()
        for absent in ("Send", "Share", "Rename", "Delete", "Approve"):
            expect(page.get_by_role("button", name=absent)).to_have_count(0)
        expect(page.get_by_label("Message")).to_have_count(0)
        screenshot(page, "shared-chat")
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.set_viewport_size(DESKTOP)
        # The link reads the chat; it does not open the chat itself to the colleague.
        own = page.goto(f"/app/chat/{thread_id}")
        assert own is not None and own.status == 404

        # Another workspace's user gets the same 404 page as for a link that never existed.
        stranger_context = browser.new_context(viewport=DESKTOP, base_url=base_url)
        try:
            stranger = stranger_context.new_page()
            register_in_browser(stranger, name="Stranger")
            foreign = stranger.goto(path)
            assert foreign is not None and foreign.status == 404
            expect(stranger.get_by_role("heading", name="Not found")).to_be_visible()
            assert "capital" not in stranger.content()
            screenshot(stranger, "shared-not-found")
        finally:
            stranger_context.close()

        # Revoked, the link stops working for the colleague too.
        dialog.get_by_role("button", name="Revoke").click()
        expect(dialog.get_by_role("status")).to_contain_text("Link revoked")
        expect(dialog.get_by_text("No links yet")).to_be_visible()
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_be_hidden()
        gone = page.goto(path)
        assert gone is not None and gone.status == 404
    finally:
        mine.close()
    # (Its console lists the 404 pages it was shown, as it should.)
    assert watch.dialogs == [] and watch.page_errors == []
