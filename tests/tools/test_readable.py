"""Readable text of fetched bodies, search results as numbered text, and output caps."""

from __future__ import annotations

from typing import Any

import pytest

from atrium.agents.tools import ToolError
from atrium.kit.readable import UnreadableContent, readable
from atrium.tools.builtins import _search_results, truncate
from tests.tools.web import PAGE, searx_answer


def test_html_gives_title_and_main_text_without_scripts() -> None:
    page = readable(PAGE, "text/html; charset=utf-8", url="http://example.org/page")
    assert page.title == "Lighthouses of Brittany"
    assert "fourteen years to build" in page.text
    assert "SECRET_SCRIPT_CONTENT" not in page.text
    assert "color: red" not in page.text


def test_plain_text_as_it_is_in_its_charset() -> None:
    body = "Crêpes à Brest\x00.".encode("latin-1")
    page = readable(body, "text/plain; charset=ISO-8859-1")
    assert page.title is None
    assert page.text == "Crêpes à Brest."  # NUL dropped: it cannot be stored
    assert readable(b"caf\xc3\xa9", "text/plain; charset=no-such-charset").text == "café"


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "", "application/json"])
def test_other_types_are_refused(content_type: str) -> None:
    with pytest.raises(UnreadableContent) as refused:
        readable(b"\x89PNG", content_type)
    assert refused.value.status_code == 422


def test_truncate_says_what_it_cut() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("x" * 25, 10)
    assert cut == "x" * 10 + "\n[truncated: 15 more characters not shown]"


def test_search_results_numbered_top_five() -> None:
    text = _search_results(searx_answer("tides"), 10_000)
    lines = text.splitlines()
    assert lines[:3] == [
        "1. Result 1 for tides",
        "   https://example.org/1",
        "   Snippet number 1 about tides.",
    ]
    assert "5. Result 5 for tides" in text and "6. Result" not in text


def test_search_results_tolerate_missing_fields_and_cap() -> None:
    data: dict[str, Any] = {
        "results": [{"url": "https://a.example"}, "junk", {"title": "T", "content": "c" * 900}]
    }
    text = _search_results(data, 10_000)
    assert text.startswith("1. (no title)\n   https://a.example")
    assert "2. T" in text and "c" * 400 + "…" in text and "c" * 401 not in text
    assert _search_results({"results": []}, 100) == "No results."
    assert _search_results(searx_answer("q"), 50).endswith("more characters not shown]")
    with pytest.raises(ToolError):
        _search_results({"error": "x"}, 100)
