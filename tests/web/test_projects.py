"""Projects in a real browser: the empty list, creating a project from its form, finding it
listed, opening it with an assistant moved into it, renaming, a duplicate name's sentence,
and deleting it (its assistant stays)."""

from __future__ import annotations

import re

from playwright.sync_api import Dialog, Page, expect

from tests.web.conftest import Watch, screenshot
from tests.web.pages import create_assistant, register_in_browser

UUID = r"[0-9a-f-]{36}"


def create_project(page: Page, name: str, description: str = "") -> str:
    page.goto("/app/projects")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(rf"/app/projects/{UUID}$"))
    return page.url.rsplit("/", 1)[1]


def test_create_list_open_rename_and_delete(page: Page, watch: Watch) -> None:
    register_in_browser(page)
    page.goto("/app/projects")
    expect(page.get_by_text("No projects yet")).to_be_visible()
    screenshot(page, "projects-empty")

    project_id = create_project(page, "Spring launch", "Everything for the launch")
    expect(page.get_by_role("heading", name="Spring launch")).to_be_visible()
    expect(page.get_by_text("No assistants in this project")).to_be_visible()

    # An assistant moved into the project (through the JSON API, as the pages do) shows up.
    assistant_id = create_assistant(page, "Launch helper")
    status = page.evaluate(
        "([a, p]) => api('PATCH', '/assistants/' + a, {project_id: p}).then(r => r.status)",
        [assistant_id, project_id],
    )
    assert status == 200

    page.goto("/app/projects")
    link = page.get_by_role("link", name="Spring launch")
    expect(link).to_be_visible()
    screenshot(page, "projects")
    link.click()
    expect(page).to_have_url(re.compile(rf"/app/projects/{project_id}$"))
    expect(page.get_by_role("link", name="Launch helper")).to_be_visible()
    screenshot(page, "project")

    # Rename; then a second project by the same name is refused with a sentence.
    page.get_by_label("Name", exact=True).fill("Summer launch")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Summer launch")).to_be_visible()
    page.goto("/app/projects")
    page.get_by_label("Name", exact=True).fill("Summer launch")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("alert")).to_have_text("A project named 'Summer launch' already exists")
    page.get_by_label("Find by name").fill("summer")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Summer launch")).to_be_visible()

    # Delete, confirming the question; the list is empty again and the assistant stays.
    page.goto(f"/app/projects/{project_id}")
    page.remove_listener("dialog", watch.on_dialog)
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Delete project").click()
    expect(page).to_have_url(re.compile(r"/app/projects$"))
    assert asked and "Summer launch" in asked[0]
    expect(page.get_by_text("No projects yet")).to_be_visible()
    page.goto(f"/app/assistants/{assistant_id}")
    expect(page.get_by_role("heading", name="Launch helper")).to_be_visible()
    page.goto(f"/app/projects/{project_id}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert watch.page_errors == [], watch.page_errors


def test_phone_width_has_no_horizontal_overflow(page: Page) -> None:
    register_in_browser(page)
    create_project(page, "A project whose name is rather long for a phone's narrow screen")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/app/projects", page.url):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
