"""A tool whose policy is `ask` pauses the run; the chat shows the call and its input, and the
person's Approve or Reject resumes it."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.web.conftest import Watch, screenshot
from tests.web.pages import (
    REPLY,
    create_assistant,
    move_to_plan,
    register_in_browser,
    send_message,
    thread_id_of,
)


def test_approve_and_reject_a_paused_tool_call(page: Page, base_url: str, watch: Watch) -> None:
    register_in_browser(page)
    move_to_plan(page, base_url)
    create_assistant(page, "Calc", tools="calculator: ask")
    expect(page.get_by_label("calculator", exact=True)).to_have_value("ask")

    page.goto("/app/chat")
    call = "call calculator " + json.dumps({"expression": "6*7"})
    send_message(page, "Calc", call)
    thread_id_of(page)
    pending = page.get_by_role("group", name="Tool call waiting for approval")
    expect(pending).to_contain_text("calculator", timeout=30_000)
    expect(pending).to_contain_text('"expression": "6*7"')
    screenshot(page, "chat-approval")
    pending.get_by_role("button", name="Approve").click()
    expect(pending).to_have_count(0, timeout=30_000)
    expect(page.locator("#messages .message.tool")).to_contain_text("42")
    expect(page.locator("#messages .message.assistant .text").last).to_have_text(REPLY)

    send_message(page, "Calc", call)
    expect(pending).to_be_visible(timeout=30_000)
    pending.get_by_role("button", name="Reject").click()
    expect(pending).to_have_count(0, timeout=30_000)
    expect(page.locator("#messages .message.tool").last).to_contain_text("rejected")
    assert watch.dialogs == [] and watch.page_errors == []
