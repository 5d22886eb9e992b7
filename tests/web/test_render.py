"""The one helper that turns untrusted Markdown into HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from atrium.web.render import markdown

SAFE_TAGS = {"p", "a", "code", "pre", "strong", "em", "h1", "ul", "li", "br"}


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](jav&#x61;script:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](https://tracker.example/p.gif)",
        '<a href="https://ok.example" onclick="x()">a</a>',
        "<p style='position:fixed'>x</p>",
        '[x](https://ok.example "t" onmouseover=alert(1))',
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_dangerous_markup_is_dropped_or_escaped(text: str) -> None:
    for tag, attrs in elements(str(markdown(text))):
        assert tag in SAFE_TAGS, tag
        assert set(attrs) <= {"href", "title", "rel"}, attrs
        href = attrs.get("href")
        assert href is None or href.startswith(("http:", "https:", "mailto:")), href


def test_markdown_still_renders() -> None:
    html = str(markdown("# Title\n\n**bold** and `code`\n\n```\nx < y\n```\n\n- a\n- b"))
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<pre><code>x &lt; y\n</code></pre>" in html
    assert "<li>a</li>" in html


def test_links_are_kept_with_safe_rel() -> None:
    html = str(markdown("[docs](https://example.com/a?b=1) <mailto:ada@example.com>"))
    assert 'href="https://example.com/a?b=1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:ada@example.com"' in html
