"""Browser fixtures: Playwright driving Debian's Chromium by path (`make system-deps` installs
it; Playwright's own browser download cannot work here). One browser per module (see
`playwright_driver`), a fresh context (cookies, storage) per test; every page's dialogs and
console errors are recorded so a test can assert that untrusted text executed nothing.

The pages are tested against a live Atrium of their own whose `scripted/slow` model pauses
long enough between words (SLOW_WORD_SECONDS) that a test can stop a run or cut its stream
in the middle of an answer without racing the model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from tests.support import AtriumProcess, EmbeddedPostgres, Mailbox, atrium_env, free_port

SLOW_WORD_SECONDS = "0.15"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)


@pytest.fixture(scope="session")
def web_mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def web_server(
    web_mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    folder = tmp_path_factory.mktemp("web")
    env = atrium_env(
        ATRIUM_DATA_DIR=str(folder / "data"),
        ATRIUM_PORT=str(free_port()),
        ATRIUM_SCRIPTED_MODELS="true",
        ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS=SLOW_WORD_SECONDS,
        ATRIUM_SMTP_HOST="127.0.0.1",
        ATRIUM_SMTP_PORT=str(web_mailbox.port),
        ATRIUM_SMTP_SECURITY="none",
    )
    proc = AtriumProcess(env=env, log_path=folder / "atrium.log", port=int(env["ATRIUM_PORT"]))
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()
        EmbeddedPostgres(folder / "data").stop()


@pytest.fixture(scope="session")
def base_url(web_server: AtriumProcess) -> str:
    return web_server.url


# Per module, not per session: while Playwright's sync API is started it leaves its event loop
# set as the thread's running loop, and every async test after it (pytest-asyncio) would fail
# with "Runner.run() cannot be called from a running event loop". So the browser lives for
# one module of browser tests at a time; no async test shares a module with them.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
    yield launched
    launched.close()


@dataclass
class Watch:
    """What the pages of one context did that untrusted text must never make them do."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def attach(self, page: Page) -> None:
        page.on("dialog", self.on_dialog)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(browser: Browser, watch: Watch, base_url: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=DESKTOP, base_url=base_url)
    ctx.on("page", watch.attach)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def screenshot(page: Page, name: str) -> None:
    """Save the page at desktop and at phone width under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
    original = page.viewport_size or DESKTOP
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{slug}-{label}.png"), full_page=True)
    page.set_viewport_size(original)
