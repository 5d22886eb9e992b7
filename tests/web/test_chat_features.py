"""The chat page's features in a real browser: tool calls with their input and output, a
paused call edited before it runs, regenerating the last answer, editing an earlier message
(a new branch), exports, search by message text, a model override, files attached to the chat
(uploaded, ingested, cited, removed), and untrusted text in tool output and titles that stays
text."""

from __future__ import annotations

import json
import re

from playwright.sync_api import FilePayload, Page, expect

from tests.web.conftest import Watch, screenshot
from tests.web.pages import (
    REPLY,
    create_assistant,
    move_to_plan,
    register_in_browser,
    send_message,
    thread_id_of,
)
from tests.web.test_security import PAYLOAD, TITLE


def csrf(page: Page) -> dict[str, str]:
    return {"X-CSRF-Token": page.locator('meta[name="csrf-token"]').get_attribute("content") or ""}


def answered(page: Page, count: int) -> None:
    """Wait until the thread shows `count` finished answers and the page is ready again."""
    expect(page.locator("#messages .message.assistant .text")).to_have_count(count, timeout=30_000)
    expect(page.locator("#messages .message.assistant .text").last).to_have_text(REPLY)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_tool_calls_show_input_and_output_and_a_paused_call_can_be_edited(
    page: Page, base_url: str, watch: Watch
) -> None:
    register_in_browser(page)
    move_to_plan(page, base_url)
    create_assistant(page, "Tools", tools="calculator: ask\necho: allow")
    page.goto("/app/chat")

    send_message(page, "Tools", "call calculator " + json.dumps({"expression": "6*7"}))
    thread_id = thread_id_of(page)
    pending = page.get_by_role("group", name="Tool call waiting for approval")
    expect(pending).to_contain_text('"expression": "6*7"', timeout=30_000)
    pending.get_by_role("button", name="Edit").click()
    args = pending.get_by_label("Tool input (JSON)")
    args.fill("{not json")
    pending.get_by_role("button", name="Run with this input").click()
    expect(pending.get_by_role("alert")).to_contain_text("not valid JSON")
    args.fill(json.dumps({"expression": "2+3"}))
    screenshot(page, "chat-edit-call")
    pending.get_by_role("button", name="Run with this input").click()
    expect(pending).to_have_count(0, timeout=30_000)
    tool = page.locator("#messages .message.tool")
    expect(tool.locator(".tool-output")).to_have_text("5", timeout=30_000)
    # The model's call as it asked for it; the tool ran with the edited input.
    expect(page.locator("#messages .tool-input").first).to_contain_text('"expression": "6*7"')

    # Untrusted tool output (and a long one) is text, cut with "Show all".
    send_message(page, "Tools", "call echo " + json.dumps({"text": PAYLOAD + "y" * 700}))
    expect(tool).to_have_count(2, timeout=30_000)
    last = tool.last
    expect(last.locator(".tool-output")).to_contain_text("<script>alert('script')</script>")
    expect(last.locator(".tool-output")).to_contain_text("…")
    expect(last.locator(".tool-output-full")).to_be_hidden()
    last.get_by_text("Show all").click()
    expect(last.locator(".tool-output-full")).to_contain_text("y" * 700)
    unsafe = "#messages :is(img, script, svg, iframe, style, form[action], details[ontoggle])"
    expect(page.locator(unsafe)).to_have_count(0)

    # A title with markup stays text in the heading and the list.
    r = page.request.patch(
        f"/threads/{thread_id}",
        data={"metadata": {"title": TITLE}},
        headers={
            "X-CSRF-Token": page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        },
    )
    assert r.ok, r.text()
    page.reload()
    expect(page.locator("#thread-title")).to_have_text(TITLE)
    expect(page.locator("#thread-list")).to_contain_text(TITLE)
    expect(page.locator("img")).to_have_count(0)
    screenshot(page, "chat-tools")
    assert watch.dialogs == [] and watch.page_errors == []


def test_regenerate_edit_export_and_search(page: Page, base_url: str, watch: Watch) -> None:
    register_in_browser(page)
    move_to_plan(page, base_url)
    create_assistant(page, "Quick")
    page.goto("/app/chat")
    send_message(page, "Quick", "What do otters eat?")
    thread_id = thread_id_of(page)
    answered(page, 1)
    send_message(page, "Quick", "And where do they sleep?")
    answered(page, 2)
    assistants = page.locator("#messages .message.assistant")
    before = assistants.last.get_attribute("data-message-id")

    # Regenerate: a new answer replaces the last one.
    page.get_by_role("button", name="Regenerate").click()
    # The stored answer (streamed bubbles carry no id) of the new run.
    fresh = re.compile(rf"^(?!{re.escape(before or '')}$).+")
    expect(assistants.last).to_have_attribute("data-message-id", fresh, timeout=30_000)
    answered(page, 2)
    users = page.locator("#messages .message.user .text")
    expect(users).to_have_text(["What do otters eat?", "And where do they sleep?"])

    # Edit the first message: a new branch from before it, which the page then shows.
    first = page.locator("#messages .message.user").first
    first.get_by_role("button", name="Edit").click()
    first.get_by_label("New wording").fill("What do beavers eat?")
    screenshot(page, "chat-edit-message")
    first.get_by_role("button", name="Save and ask again").click()
    expect(users).to_have_text(["What do beavers eat?"], timeout=30_000)
    answered(page, 1)
    page.reload()
    expect(users).to_have_text(["What do beavers eat?"])
    history = page.request.post(
        f"/threads/{thread_id}/history", data={"limit": 100}, headers=csrf(page)
    ).json()
    assert len(history) > 6  # the old branch is kept in the history

    # Exports: downloads, with the current branch's messages.
    md = page.request.get(f"/app/chat/{thread_id}/export.md")
    assert md.ok
    assert md.headers["content-disposition"].startswith("attachment;")
    assert md.headers["x-content-type-options"] == "nosniff"
    assert "## You\n\nWhat do beavers eat?" in md.text()
    # The title is still the first question's; the old branch's messages are not exported.
    assert "## You\n\nWhat do otters" not in md.text() and REPLY in md.text()
    exported = page.request.get(f"/app/chat/{thread_id}/export.json")
    assert exported.headers["content-disposition"].startswith("attachment;")
    body = exported.json()
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("user", "What do beavers eat?"),
        ("assistant", REPLY),
    ]
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Markdown").click()
    assert download.value.suggested_filename.endswith(".md")

    # Search finds the chat by a word in its messages (not only its title).
    page.get_by_label("Search chats").fill("BEAVERS")
    page.get_by_label("Search chats").press("Enter")
    expect(page.locator("#thread-list a")).to_have_count(1)
    page.get_by_label("Search chats").fill("50%_off")
    page.get_by_label("Search chats").press("Enter")
    expect(page.get_by_text("No chat has “50%_off” in its title or messages")).to_be_visible()
    assert watch.dialogs == [] and watch.page_errors == []


def test_model_override_and_attached_files(
    page: Page, base_url: str, watch: Watch, tmp_path: object
) -> None:
    register_in_browser(page)
    move_to_plan(page, base_url)
    create_assistant(page, "Slowpoke", model="scripted/slow")
    page.goto("/app/chat")
    page.get_by_label("Model").select_option("scripted/fast")
    send_message(page, "Slowpoke", "Hello")
    thread_id = thread_id_of(page)
    answered(page, 1)
    runs = page.request.get(f"/threads/{thread_id}/runs").json()
    assert runs[0]["kwargs"]["context"]["model"] == "scripted/fast", runs[0]["kwargs"]
    expect(page.get_by_label("Model")).to_have_value("scripted/fast")  # remembered

    expect(page.get_by_text("No files yet")).to_be_visible()
    page.get_by_label("Attach a file").set_input_files(
        files=[
            FilePayload(
                name="otters.txt",
                mimeType="text/plain",
                buffer=b"Sea otters eat sea urchins, crabs and clams. " * 20,
            )
        ]
    )
    page.get_by_role("button", name="Upload").click()
    item = page.locator("#thread-files li")
    expect(item).to_contain_text("otters.txt")
    expect(item.locator(".status")).to_have_text("ready", timeout=120_000)
    screenshot(page, "chat-files")

    send_message(page, "Slowpoke", "What do sea otters eat?")
    answered(page, 2)
    sources = page.locator("#messages .message.assistant").last.locator(".citations")
    expect(sources).to_contain_text("otters.txt")
    expect(sources.locator(".snippet").first).to_contain_text("sea urchins")
    link = sources.get_by_role("link", name="otters.txt").first
    href = link.get_attribute("href") or ""
    assert re.fullmatch(rf"/app/chat/{thread_id}/files/[0-9a-f-]{{36}}/content", href), href
    got = page.request.get(href)
    assert got.ok and got.body().startswith(b"Sea otters eat")
    assert got.headers["content-disposition"].startswith("attachment;")

    # The watch dismisses every dialog (so untrusted text cannot answer one): say yes here.
    page.evaluate("window.confirm = () => true")
    item.get_by_role("button", name="Remove").click()
    expect(item).to_have_count(0)
    expect(page.get_by_text("No files yet")).to_be_visible()
    page.reload()
    expect(page.locator("#thread-files li")).to_have_count(0)
    assert watch.dialogs == [] and watch.page_errors == []
