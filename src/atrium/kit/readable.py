"""The readable text of a fetched page: its title and main text (trafilatura, which drops
navigation, scripts and boilerplate), or the body itself for plain text. Other content types
are refused: a tool or an ingestion never hands binary data on as text."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

from atrium.kit.errors import AtriumError

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain", "text/markdown", "text/csv")


class UnreadableContent(AtriumError):
    status_code = 422
    code = "unreadable_content"


@dataclass(frozen=True, slots=True)
class Readable:
    title: str | None
    text: str


def _media_type(content_type: str) -> tuple[str, str]:
    media, _, rest = content_type.partition(";")
    charset = "utf-8"
    for part in rest.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"')
    return media.strip().lower(), charset


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def readable(body: bytes, content_type: str, *, url: str | None = None) -> Readable:
    """Title and main text of an HTML page, or the text of a plain-text body."""
    media, charset = _media_type(content_type)
    if media in TEXT_TYPES:
        return Readable(title=None, text=_clean(_decode(body, charset)))
    if media not in HTML_TYPES:
        raise UnreadableContent(
            f"Cannot read content of type {media or 'unknown'!r}: only HTML and plain text",
            field="url",
        )
    html = _decode(body, charset)
    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=True, favor_recall=True
    )
    metadata = trafilatura.extract_metadata(html, default_url=url)
    title = metadata.title if metadata is not None and metadata.title else None
    return Readable(title=title, text=_clean(text or ""))


def _clean(text: str) -> str:
    # NUL and lone surrogates cannot be stored (nor sent back as JSON).
    return text.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8").strip()
