"""A connection cut in the middle of an answer: the page joins the run's stream again with
`Last-Event-ID` and shows the whole answer, nothing missing and nothing twice."""

from __future__ import annotations

from playwright.sync_api import Page, Request, Route, expect

from tests.web.pages import (
    REPLY,
    create_assistant,
    move_to_plan,
    register_in_browser,
    send_message,
    thread_id_of,
)

KEPT_TOKENS = 4


def cut_after_tokens(route: Route) -> None:
    """Deliver the start of the run's stream (its metadata and a few tokens), then end the
    body as a dropped connection does: without the `end` event."""
    if route.request.method != "POST":
        route.continue_()
        return
    body = route.fetch().text()
    kept: list[str] = []
    tokens = 0
    for frame in body.split("\n\n"):
        if tokens == KEPT_TOKENS:
            break
        kept.append(frame)
        if frame.startswith("event: messages") and '"content":""' not in frame:
            tokens += 1
    assert tokens == KEPT_TOKENS, body
    route.fulfill(
        status=200, headers={"content-type": "text/event-stream"}, body="\n\n".join(kept) + "\n\n"
    )


def test_dropped_stream_resumes_without_missing_text(page: Page, base_url: str) -> None:
    register_in_browser(page)
    move_to_plan(page, base_url)
    create_assistant(page, "Slow", model="scripted/slow")
    page.goto("/app/chat")
    send_message(page, "Slow", "First question")
    thread_id = thread_id_of(page)
    # The new chat's page loads again once its first answer has ended.
    expect(page.get_by_role("heading", name="First question")).to_be_visible(timeout=30_000)

    joins: list[Request] = []
    page.on(
        "request",
        lambda r: (
            joins.append(r)
            if "/runs/" in r.url and "/stream" in r.url and r.method == "GET"
            else None
        ),
    )
    page.route("**/threads/*/runs/stream", cut_after_tokens)
    # Keep the streamed text on screen: no swap to the stored message after the run.
    page.route(f"**/app/chat/{thread_id}/messages", lambda route: route.abort())
    send_message(page, "Slow", "Second question")
    expect(page.get_by_role("alert")).to_contain_text("could not be loaded", timeout=30_000)
    streamed = page.locator("#messages .message.assistant .text").last
    assert streamed.inner_text() == REPLY
    assert joins, "the page never joined the run's stream again"
    assert joins[0].headers.get("last-event-id"), joins[0].headers

    page.unroute("**/threads/*/runs/stream")
    page.unroute(f"**/app/chat/{thread_id}/messages")
    page.reload()
    expect(page.locator("#messages .message.assistant .text")).to_have_text([REPLY, REPLY])
