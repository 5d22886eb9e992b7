"""Steps the browser tests share: what a person does on the dashboard's pages."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.support import platform_admin_of

PASSWORD = "correct horse battery"
REPLY = "This is a scripted reply from Atrium's benchmark model, streamed word by word."


def register_in_browser(page: Page, *, name: str = "Ada Lovelace") -> str:
    """Create an account through the register page; returns its e-mail address."""
    email = f"web-{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/register")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/$"))
    return email


def move_to_plan(page: Page, base_url: str, plan_id: str = "premium") -> None:
    """Move the signed-in person's tenant to a plan, as a platform administrator does (Basic
    does not include the `scripted/slow` model)."""
    tenant_id = page.request.get("/auth/me").json()["tenant"]["id"]
    r = platform_admin_of(base_url).patch(f"/admin/tenants/{tenant_id}", json={"plan_id": plan_id})
    assert r.status_code == 200, r.text


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def choose_model(page: Page, model: str) -> None:
    """Pick `model` in the assistant form: from the plan's list, or typed as another model."""
    select = page.get_by_label("Model", exact=True)
    offered = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    if model in offered:
        select.select_option(model)
    else:
        select.select_option("other")
        page.get_by_label("Model name").fill(model)


def create_assistant(page: Page, name: str, model: str = "scripted/fast", tools: str = "") -> str:
    """Create an assistant through its form; returns its id. `tools` has a line `name: policy`
    per tool to turn on (the form's policy select of that tool)."""
    page.goto("/app/assistants/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Instructions").fill("Answer briefly.")
    choose_model(page, model)
    for line in tools.splitlines():
        tool, _, policy = (part.strip() for part in line.partition(":"))
        if tool:
            page.get_by_label(tool, exact=True).select_option(policy or "allow")
    page.get_by_role("button", name="Create assistant").click()
    expect(page).to_have_url(re.compile(r"/app/assistants/[0-9a-f-]{36}\?saved=1$"))
    return page.url.split("?")[0].rsplit("/", 1)[1]


def send_message(page: Page, assistant: str, text: str) -> None:
    page.get_by_label("Assistant").select_option(label=assistant)
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def thread_id_of(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/app/chat/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]
