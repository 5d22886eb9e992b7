"""The assistant pages: create and edit with tools, policies, knowledge and limits; versions
with the one in use marked; the side chat that streams a try-out; who may change what."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support import Mailbox, link_token, premium, register, unique_email
from tests.web.conftest import DESKTOP, PHONE, Watch, screenshot
from tests.web.pages import (
    REPLY,
    choose_model,
    create_assistant,
    move_to_plan,
    register_in_browser,
    sign_in,
)

ASSISTANT_URL = re.compile(r"/app/assistants/[0-9a-f-]{36}\?saved=(\d+)$")


def csrf(page: Page) -> dict[str, str]:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    return {"X-CSRF-Token": token}


def in_use(page: Page) -> str:
    return page.locator("#versions li[aria-current]").inner_text()


def test_create_edit_switch_versions_and_try_it(page: Page, base_url: str, watch: Watch) -> None:
    register_in_browser(page)
    move_to_plan(page, base_url)
    page.goto("/app/assistants")
    expect(page.get_by_text("No assistants yet")).to_be_visible()
    page.goto("/app/assistants/new")
    expect(page.get_by_text("No knowledge bases yet")).to_be_visible()
    expect(page.get_by_role("link", name="Create a knowledge base")).to_have_attribute(
        "href", "/app/knowledge"
    )
    r = page.request.post("/knowledge", data={"name": "Handbook"}, headers=csrf(page))
    assert r.ok, r.text()
    base_id = r.json()["id"]

    page.goto("/app/assistants/new")
    page.get_by_label("Name", exact=True).fill("Helper")
    page.get_by_label("Instructions").fill("Answer briefly.")
    # The plan's models are offered; scripted/slow is one of Premium's.
    expect(
        page.get_by_label("Model", exact=True).locator("option[value='scripted/slow']")
    ).to_have_count(1)
    choose_model(page, "scripted/slow")
    page.get_by_label("calculator", exact=True).select_option("ask")
    page.get_by_label("current_time", exact=True).select_option("allow")
    page.get_by_label("Handbook").check()
    page.get_by_label("Most model and tool steps a run takes").fill("5")
    screenshot(page, "assistant-new")
    page.get_by_role("button", name="Create assistant").click()
    expect(page).to_have_url(ASSISTANT_URL)
    expect(page.get_by_role("status")).to_have_text("Saved. Version 1 is the one in use.")
    assistant_id = page.url.split("?")[0].rsplit("/", 1)[1]

    stored = page.request.get(f"/assistants/{assistant_id}").json()
    assert stored["context"] == {
        "instructions": "Answer briefly.",
        "model": "scripted/slow",
        "tools": [
            {"name": "calculator", "policy": "ask", "config": {}},
            {"name": "current_time", "policy": "allow", "config": {}},
        ],
        "knowledge_bases": [base_id],
        "max_steps": 5,
    }, stored["context"]
    # The form shows what is stored.
    expect(page.get_by_label("Model", exact=True)).to_have_value("scripted/slow")
    expect(page.get_by_label("calculator", exact=True)).to_have_value("ask")
    expect(page.get_by_label("Handbook")).to_be_checked()
    expect(page.get_by_label("Most model and tool steps a run takes")).to_have_value("5")

    # Edit: a new version, marked in use.
    page.get_by_label("Instructions").fill("Answer at length.")
    page.get_by_label("Temperature").fill("0.5")
    page.get_by_label("current_time", exact=True).select_option("off")
    page.get_by_label("Handbook").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved. Version 2 is the one in use.")
    expect(page.locator("#versions li")).to_have_count(2)
    assert "Version 2" in in_use(page) and "in use" in in_use(page)
    expect(page.locator("#versions li").nth(0)).to_contain_text("Changed instructions")
    expect(page.locator("#versions li").nth(1)).to_contain_text("Created")
    context = page.request.get(f"/assistants/{assistant_id}").json()["context"]
    assert context["temperature"] == 0.5 and context["knowledge_bases"] == []
    assert [t["name"] for t in context["tools"]] == ["calculator"]

    # Emptying a limit removes it: the form sends null, which PATCH reads as "remove".
    page.get_by_label("Temperature").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved. Version 3 is the one in use.")
    cleared = page.request.get(f"/assistants/{assistant_id}").json()["context"]
    assert "temperature" not in cleared and cleared["knowledge_bases"] == []
    expect(page.get_by_label("Temperature")).to_have_value("")

    # Back to version 1 (the list is newest first).
    page.get_by_role("button", name="Use this version").last.click()
    expect(page.locator("#versions li[aria-current]")).to_contain_text("Version 1")
    expect(page.get_by_role("status")).to_have_count(0)  # "Saved. Version 2 ..." is gone
    back = page.request.get(f"/assistants/{assistant_id}").json()
    assert back["version"] == 1 and back["context"]["instructions"] == "Answer briefly."
    expect(page.get_by_label("Instructions")).to_have_value("Answer briefly.")
    expect(page.get_by_label("current_time", exact=True)).to_have_value("allow")
    expect(page.get_by_label("Handbook")).to_be_checked()

    # The side chat streams an answer from the version in use, on a try-out thread.
    page.get_by_label("Message").fill("Hello there")
    page.get_by_role("button", name="Send").click()
    answer = page.locator("#try .message.assistant .text")
    expect(answer).not_to_have_text("", timeout=30_000)
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    partial = len(answer.inner_text())
    assert 0 < partial < len(REPLY), partial
    expect(answer).to_have_text(REPLY, timeout=30_000)
    assert page.url.split("?")[0].endswith(f"/app/assistants/{assistant_id}")
    page.get_by_label("Message").fill("Once more")
    page.get_by_label("Message").press("Enter")
    expect(answer).to_have_count(2, timeout=30_000)
    expect(answer.nth(1)).to_have_text(REPLY, timeout=30_000)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    fits(page)
    screenshot(page, "assistant-page")
    tryouts = page.request.post(
        "/threads/search", data={"metadata": {"try_out": True}}, headers=csrf(page)
    ).json()
    assert len(tryouts) == 1, tryouts
    assert tryouts[0]["metadata"]["assistant_id"] == assistant_id
    expect(page.get_by_role("link", name="Open in Chat")).to_have_attribute(
        "href", f"/app/chat/{tryouts[0]['thread_id']}"
    )

    page.goto("/app/assistants")
    row = page.get_by_role("row", name=re.compile("Helper"))
    expect(row).to_contain_text("scripted/slow")
    expect(row).to_contain_text("calculator, current_time")
    expect(row).to_contain_text("1 base")
    fits(page)
    screenshot(page, "assistants-list")
    assert watch.page_errors == [] and watch.console_errors == [], watch


def test_a_member_cannot_change_anothers_assistant(
    page: Page, base_url: str, web_mailbox: Mailbox
) -> None:
    owner = premium(register(base_url, full_name="Grace"))
    r = owner.api.post("/assistants", json={"name": "Grace's helper", "model": "scripted/fast"})
    assert r.status_code == 200, r.text
    assistant_id = r.json()["assistant_id"]
    email = unique_email("member")
    r = owner.api.post("/tenants/current/members", json={"email": email, "role": "member"})
    assert r.status_code == 201, r.text
    person = register(base_url, email=email, full_name="Ada")
    token = link_token(web_mailbox.wait_for(email, subject="invited"), "/invitations/accept")
    assert person.api.post("/invitations/accept", json={"token": token}).status_code == 200

    sign_in(page, email, password=person.password)
    page.get_by_label("Workspace").select_option(label="Grace's workspace (member)")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace's workspace")
    page.goto(f"/app/assistants/{assistant_id}")
    expect(page.locator("#read-only")).to_contain_text("Only the person who created it")
    expect(page.get_by_role("button", name="Use this version")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete assistant")).to_have_count(0)
    page.get_by_label("Instructions").fill("Mine now.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#assistant-form [role=alert]")).to_have_text(
        "Your role (member) may change only your own assistants, knowledge bases, projects"
    )
    screenshot(page, "assistant-read-only")
    assert "instructions" not in owner.api.get(f"/assistants/{assistant_id}").json()["context"]
    # A member may still try it in the side chat.
    page.get_by_label("Message").fill("Hi")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#try .message.assistant .text")).to_have_text(REPLY, timeout=30_000)


def test_another_tenants_assistant_is_not_found(
    page: Page, browser: Browser, base_url: str
) -> None:
    register_in_browser(page)
    assistant_id = create_assistant(page, "Private")
    other = browser.new_context(viewport=DESKTOP, base_url=base_url)
    try:
        stranger = other.new_page()
        register_in_browser(stranger, name="Stranger")
        response = stranger.goto(f"/app/assistants/{assistant_id}")
        assert response is not None and response.status == 404
        expect(stranger.get_by_role("heading", name="Not found")).to_be_visible()
        assert "Private" not in stranger.content()
    finally:
        other.close()


def test_untrusted_name_and_instructions_show_as_text(page: Page, watch: Watch) -> None:
    register_in_browser(page)
    name = "<svg onload=alert('name')>Evil</svg>"
    instructions = "<script>alert('instructions')</script><img src=x onerror=alert('img')>"
    page.goto("/app/assistants/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Instructions").fill(instructions)
    choose_model(page, "scripted/fast")
    page.get_by_role("button", name="Create assistant").click()
    expect(page).to_have_url(ASSISTANT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_label("Instructions")).to_have_value(instructions)
    assert page.locator("main svg, main img, main script").count() == 0
    page.goto("/app/assistants")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    assert page.locator("main svg, main img, main script").count() == 0
    assert watch.dialogs == [] and watch.page_errors == [], watch
    assert watch.console_errors == [], watch.console_errors


def test_unavailable_tools_are_disabled_with_the_reason(page: Page) -> None:
    register_in_browser(page)
    page.goto("/app/assistants/new")
    # The test server configures no SearXNG: web search is listed, but cannot be chosen.
    expect(page.get_by_label("web_search", exact=True)).to_be_disabled()
    expect(page.locator("#tools .reason")).to_contain_text(
        "Not available: Web search is not configured"
    )
    expect(page.get_by_label("calculator", exact=True)).to_be_enabled()
    # Basic does not offer the scripted/slow model: only the plan's models are listed.
    models = page.get_by_label("Model", exact=True).locator("option")
    expect(models.filter(has_text="scripted/slow")).to_have_count(0)
    expect(models.filter(has_text="Another model")).to_have_count(1)
    fits(page)
    screenshot(page, "assistant-new-basic")


def fits(page: Page) -> None:
    """No horizontal scrolling at a phone's width."""
    original = page.viewport_size or DESKTOP
    page.set_viewport_size(PHONE)
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size(original)
    assert wide <= 0, f"{page.url} is {wide}px wider than a phone"
