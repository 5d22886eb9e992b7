"""The one way untrusted text (model output, thread titles, names) becomes HTML: Markdown with
raw HTML disabled, then `nh3` with a tight allowlist. Everything else is autoescaped by Jinja2.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")

_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote", "a",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# No `img`: a Markdown image from another origin would leak the reader's visit (and the CSP
# refuses it anyway). No `class` or `style`: nothing that can dress text up as the page's UI.
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}


def markdown(text: str) -> Markup:
    """Untrusted Markdown as sanitised HTML, safe to place in a template as is."""
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)
