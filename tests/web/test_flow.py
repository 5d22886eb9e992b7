"""A person's first session, in a real browser: register, create an assistant, chat and watch
the answer stream in, stop a run, create an API key, sign out and back in."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import Watch, screenshot
from tests.web.pages import (
    REPLY,
    create_assistant,
    move_to_plan,
    register_in_browser,
    send_message,
    sign_in,
    thread_id_of,
)

# Records every length the newest streamed answer had (in sessionStorage: a new chat's page
# reloads when its first answer ends), so a test can tell tokens arrived one by one.
RECORD_LENGTHS = """
new MutationObserver(() => {
  const texts = document.querySelectorAll('#messages .message.assistant .text');
  const last = texts[texts.length - 1];
  if (!last) return;
  const lengths = JSON.parse(sessionStorage.getItem('lengths') || '[]');
  lengths.push(last.textContent.length);
  sessionStorage.setItem('lengths', JSON.stringify(lengths));
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_first_session(page: Page, base_url: str, watch: Watch) -> None:
    page.goto("/")
    expect(page).to_have_url(f"{base_url}/sign-in?next=%2F")
    screenshot(page, "sign-in")
    page.goto("/register")
    screenshot(page, "register")
    email = register_in_browser(page)
    expect(page.get_by_role("heading", name="Get started")).to_be_visible()
    screenshot(page, "dashboard-empty")
    move_to_plan(page, base_url)

    page.goto("/app/assistants")
    expect(page.get_by_text("No assistants yet")).to_be_visible()
    create_assistant(page, "Quick")
    create_assistant(page, "Slow", model="scripted/slow")
    screenshot(page, "assistant-edit")
    page.goto("/app/assistants")
    expect(page.get_by_role("link", name="Slow")).to_be_visible()
    screenshot(page, "assistants")

    # A streamed answer: it grows word by word, then the stored message replaces it.
    page.add_init_script(RECORD_LENGTHS)
    page.goto("/app/chat")
    screenshot(page, "chat-empty")
    send_message(page, "Slow", "Hello there")
    thread_id = thread_id_of(page)
    answer = page.locator("#messages .message.assistant .text")
    expect(answer).to_have_text(REPLY, timeout=30_000)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    lengths = page.evaluate("JSON.parse(sessionStorage.getItem('lengths') || '[]')")
    partial = {n for n in lengths if 0 < n < len(REPLY)}
    assert len(partial) >= 3, lengths
    expect(page.locator("#thread-list")).to_contain_text("Hello there")
    screenshot(page, "chat")

    # Stop: the run is cancelled while the model is still answering.
    send_message(page, "Slow", "Tell me more")
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("button", name="Stop")).to_be_hidden(timeout=30_000)
    runs = page.request.get(f"/threads/{thread_id}/runs").json()
    assert runs[0]["status"] == "interrupted", runs
    answers = page.locator("#messages .message.assistant .text")
    expect(answers).to_have_count(1)  # the stopped run stored no answer

    # Rename the chat, through the same API the SDKs use.
    page.get_by_role("button", name="Rename").click()
    page.get_by_label("New title").fill("Greetings")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Greetings")).to_be_visible()

    # An API key: its secret is shown once and works.
    page.goto("/app/settings/api-keys")
    page.get_by_label("Name", exact=False).first.fill("nightly report")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#secret-value")
    expect(secret).not_to_be_empty()
    key = secret.inner_text()
    assert key.startswith("atr_")
    me = httpx.get(f"{base_url}/auth/me", headers={"x-api-key": key})
    assert me.status_code == 200 and me.json()["user"]["email"] == email
    screenshot(page, "api-keys")
    page.reload()
    expect(page.get_by_role("cell", name="nightly report")).to_be_visible()
    expect(page.locator("#secret")).to_be_hidden()

    page.goto("/")
    expect(page.get_by_role("link", name="Greetings")).to_be_visible()
    screenshot(page, "dashboard")

    # Sign out: the session is revoked, not only forgotten by the browser.
    cookie = next(c for c in page.context.cookies() if c["name"] == "atrium_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/sign-in")
    replayed = httpx.get(f"{base_url}/auth/me", cookies={"atrium_session": cookie["value"]})
    assert replayed.status_code == 401
    page.goto("/app/chat")
    expect(page).to_have_url(f"{base_url}/sign-in?next=%2Fapp%2Fchat")

    sign_in(page, email)
    page.goto(f"/app/chat/{thread_id}")
    expect(page.get_by_role("heading", name="Greetings")).to_be_visible()
    assert watch.dialogs == [] and watch.page_errors == []
