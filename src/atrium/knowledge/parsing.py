"""PLACEHOLDER (helper "knowledge"): replaced by the "files" helper's module at merge.
Plain text and Markdown only, with the agreed interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from atrium.kit.errors import AtriumError


class DocumentKind(StrEnum):
    pdf = "pdf"
    docx = "docx"
    html = "html"
    markdown = "markdown"
    text = "text"
    csv = "csv"


@dataclass(frozen=True)
class Section:
    text: str
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class ParsedDocument:
    kind: DocumentKind
    sections: list[Section] = field(default_factory=list)
    pages: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = 50 * 2**20
    max_pages: int = 2000
    max_chars: int = 5_000_000
    max_unzipped_bytes: int = 200 * 2**20


class UnsupportedType(AtriumError):
    status_code = 415
    code = "unsupported_type"


class DocumentTooLarge(AtriumError):
    status_code = 413
    code = "document_too_large"


class UnreadableDocument(AtriumError):
    status_code = 422
    code = "unreadable_document"


def detect_kind(data: bytes, filename: str | None = None) -> DocumentKind:
    if b"\x00" in data[:4096]:
        raise UnsupportedType("This file type is not supported")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedType("This file type is not supported") from None
    if filename and filename.lower().endswith((".md", ".markdown")):
        return DocumentKind.markdown
    if data.lstrip()[:1] == b"<":
        return DocumentKind.html
    return DocumentKind.text


def parse(
    data: bytes, *, filename: str | None = None, limits: ParseLimits = ParseLimits()
) -> ParsedDocument:
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge("The document is too large")
    kind = detect_kind(data, filename)
    if kind == DocumentKind.html:
        return parse_html(data, limits=limits)
    text = data.decode("utf-8")
    if not text.strip():
        raise UnreadableDocument("The document contains no text")
    if kind == DocumentKind.text:
        return ParsedDocument(kind=kind, sections=[Section(text=text)])
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            if "".join(lines).strip():
                sections.append(Section(text="\n".join(lines), heading=heading))
            heading, lines = line.lstrip("#").strip(), []
        else:
            lines.append(line)
    if "".join(lines).strip():
        sections.append(Section(text="\n".join(lines), heading=heading))
    return ParsedDocument(kind=kind, sections=sections)


def parse_html(
    html: bytes | str, *, url: str | None = None, limits: ParseLimits = ParseLimits()
) -> ParsedDocument:
    import re

    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    title_match = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
    text = re.sub(r"<(script|style|head)[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise UnreadableDocument("The page contains no readable text")
    title = title_match.group(1).strip() if title_match else None
    return ParsedDocument(kind=DocumentKind.html, sections=[Section(text=text)], title=title)
