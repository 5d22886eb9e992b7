"""The issue's whole journey in one browser session, against the live server on the scripted
models: register, make a project, a knowledge base with a document and an assistant in it,
chat and watch the answer stream, see the document cited, approve a paused tool call, stop a
run, regenerate an answer, create an API key, sign out and back in. Each step is also tested
apart (test_flow, test_chat_features, test_knowledge_pages, ...); this test proves they work
together, in the order a person meets them."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import FilePayload, Page, expect

from tests.web.conftest import Watch, screenshot
from tests.web.pages import (
    REPLY,
    choose_model,
    move_to_plan,
    register_in_browser,
    sign_in,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# The first ingestion loads the embedding model; a loaded machine takes its time.
SETTLE_MS = 120_000
DOCUMENT = (
    b"Launch plan. The harbour launch is planned for the ninth of March, at the old "
    b"lighthouse, with the rowing club's boats leading the parade.\n\n"
)


def _ask(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def _answered(page: Page, count: int) -> None:
    """`count` stored answers, the last one complete, and the composer ready again."""
    answers = page.locator("#messages .message.assistant .text")
    expect(answers).to_have_count(count, timeout=30_000)
    expect(answers.last).to_have_text(REPLY, timeout=30_000)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_register_to_sign_in_again(page: Page, base_url: str, watch: Watch) -> None:
    email = register_in_browser(page, name="Journey Person")
    move_to_plan(page, base_url)

    # A project: everything made below lives in it.
    page.goto("/app/projects")
    page.get_by_label("Name", exact=True).fill("Harbour launch")
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(rf"/app/projects/{UUID}$"))
    project_id = page.url.rsplit("/", 1)[1]

    # A knowledge base in the project, and a document uploaded to it.
    page.get_by_role("link", name="New knowledge base in this project").click()
    expect(page.locator("#project_id")).to_have_value(project_id)
    page.get_by_label("Name", exact=True).fill("Launch notes")
    page.get_by_role("button", name="Create base").click()
    expect(page).to_have_url(re.compile(rf"/app/knowledge/{UUID}$"), timeout=SETTLE_MS)
    base_id = page.url.rsplit("/", 1)[1]
    page.get_by_label("Files").set_input_files(
        files=[FilePayload(name="launch-plan.txt", mimeType="text/plain", buffer=DOCUMENT * 8)]
    )
    page.get_by_role("button", name="Upload").click()
    row = page.locator("#files tbody tr", has_text="launch-plan.txt")
    expect(row).to_have_attribute("data-status", "ready", timeout=SETTLE_MS)

    # An assistant in the project, citing the base, with a calculator a person approves.
    page.goto(f"/app/projects/{project_id}")
    page.get_by_role("link", name="New assistant in this project").click()
    expect(page.locator("#project_id")).to_have_value(project_id)
    page.get_by_label("Name", exact=True).fill("Launch helper")
    page.get_by_label("Instructions").fill("Answer from the launch notes.")
    choose_model(page, "scripted/slow")
    page.get_by_label("calculator", exact=True).select_option("ask")
    page.get_by_label("Launch notes").check()
    page.get_by_role("button", name="Create assistant").click()
    expect(page).to_have_url(re.compile(rf"/app/assistants/{UUID}\?saved=1$"))
    assistant_id = page.url.split("?")[0].rsplit("/", 1)[1]
    stored = page.request.get(f"/assistants/{assistant_id}").json()
    assert stored["project_id"] == project_id
    assert stored["context"]["knowledge_bases"] == [base_id]

    # A chat started from the project's list joins the project; the answer streams in.
    page.goto(f"/app/chat?project={project_id}")
    expect(page.get_by_role("heading", name="New chat in Harbour launch")).to_be_visible()
    page.get_by_label("Assistant").select_option(label="Launch helper")
    _ask(page, "When is the harbour launch?")
    expect(page).to_have_url(re.compile(rf"/app/chat/{UUID}\?project={project_id}$"))
    thread_id = page.url.split("?")[0].rsplit("/", 1)[1]
    streaming = page.locator("#messages .message.assistant .text").last
    expect(streaming).not_to_have_text("", timeout=30_000)
    _answered(page, 1)
    assert page.request.get(f"/threads/{thread_id}").json()["project_id"] == project_id

    # The answer cites the uploaded document, linking to the file.
    sources = page.locator("#messages .message.assistant").last.locator(".citations")
    expect(sources).to_contain_text("launch-plan.txt")
    expect(sources.locator(".snippet").first).to_contain_text("ninth of March")
    link = sources.get_by_role("link", name="launch-plan.txt").first
    href = link.get_attribute("href") or ""
    assert re.fullmatch(rf"/knowledge/{base_id}/files/{UUID}/content", href), href
    assert page.request.get(href).body().startswith(b"Launch plan.")
    screenshot(page, "journey-citation")

    # Regenerate: the answer is replaced by a new run's (a new branch from before it).
    answers = page.locator("#messages .message.assistant")
    before = answers.last.get_attribute("data-message-id") or ""
    assert before
    page.get_by_role("button", name="Regenerate").click()
    fresh = re.compile(rf"^(?!{re.escape(before)}$).+")
    expect(answers.last).to_have_attribute("data-message-id", fresh, timeout=30_000)
    expect(answers.last.locator(".text")).to_have_text(REPLY)

    _answered(page, 1)

    # A tool call whose policy is `ask` waits for the person's approval.
    _ask(page, "call calculator " + json.dumps({"expression": "6*7"}))
    pending = page.get_by_role("group", name="Tool call waiting for approval")
    expect(pending).to_contain_text('"expression": "6*7"', timeout=30_000)
    pending.get_by_role("button", name="Approve").click()
    expect(pending).to_have_count(0, timeout=30_000)
    expect(page.locator("#messages .message.tool .tool-output").last).to_have_text("42")
    _answered(page, 2)

    # Stop: the run is cancelled mid-answer and stores no answer.
    _ask(page, "Tell me more about the parade")
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("button", name="Stop")).to_be_hidden(timeout=30_000)
    runs = page.request.get(f"/threads/{thread_id}/runs").json()
    assert runs[0]["status"] == "interrupted", runs
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    # The project's page gathers what was made in it.
    page.goto(f"/app/projects/{project_id}")
    for name in ("Launch helper", "Launch notes", "When is the harbour launch?"):
        expect(page.get_by_role("link", name=name)).to_be_visible()

    # An API key, its secret shown once.
    page.goto("/app/settings/api-keys")
    page.get_by_label("Name", exact=False).first.fill("launch bot")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#secret-value")
    expect(key).not_to_be_empty()
    me = httpx.get(f"{base_url}/auth/me", headers={"x-api-key": key.inner_text()})
    assert me.status_code == 200 and me.json()["user"]["email"] == email

    # Sign out, and back in: the chat is still there.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/sign-in")
    sign_in(page, email)
    page.goto(f"/app/chat/{thread_id}")
    expect(page.get_by_role("heading", name="When is the harbour launch?")).to_be_visible()
    assert watch.dialogs == [] and watch.page_errors == []
