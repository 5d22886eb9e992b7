"""Documents to text: the type detected from the content, one well-kept library per type.

pypdf (PDF, a section per page), python-docx (DOCX, sections under their headings),
trafilatura (HTML, readable text only), markdown-it-py (Markdown, split at headings), `csv`
(blocks of rows under their header) and plain text split on blank lines. Everything here is
synchronous and CPU-bound: callers run `parse` in a thread.

A document is untrusted input. Its type comes from its bytes, never from its name (the name
only chooses among plain-text readings: text, Markdown or CSV); sizes, pages, characters
and the inflated size of a DOCX are capped before the expensive work; what comes out holds
no NUL or lone surrogate, which PostgreSQL cannot store.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from atrium.kit.errors import AtriumError

if TYPE_CHECKING:
    from collections.abc import Iterable


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
    heading: str | None = None  # the heading path, "Chapter > Part"


@dataclass(frozen=True)
class ParsedDocument:
    kind: DocumentKind
    sections: list[Section]
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
    """Corrupt, encrypted, empty, without text, or a zip bomb."""

    status_code = 422
    code = "unreadable_document"


_SUPPORTED = "supported: PDF, DOCX, HTML, Markdown, plain text (UTF-8 or UTF-16) and CSV"
_MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mdx"})
_CSV_EXTENSIONS = frozenset({".csv", ".tsv"})
_TEXT_EXTENSIONS = frozenset({".txt", ".text", ".log"})
# A legitimate DOCX part rarely compresses better than 30:1; a zip bomb's member, far
# beyond 100:1. Small members are let through whatever their ratio: they cannot hurt.
_MAX_ZIP_RATIO = 100
_RATIO_CHECK_FROM_BYTES = 1 << 20
_MAX_ZIP_MEMBERS = 10_000
# A local file header, or the end record of an empty archive.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# CSV rows are grouped into blocks of about this many characters, each under the header
# row, so a block fits one embedding (256 word pieces) with its context.
_CSV_BLOCK_CHARS = 600
_MAX_HEADING_CHARS = 200

_HTML_START = re.compile(
    r"(?:<\?xml[^>]*>\s*|<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|div|p|table|h[1-6]|article|section|main|title|meta"
    r"|script|style|iframe)[\s>/]",
    re.DOTALL,
)
_MARKDOWN_HINT = re.compile(r"^(?:#{1,6}[ \t]+\S|```|~~~|\S.*\n(?:=+|-{2,})[ \t]*$)", re.MULTILINE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")


# --- detection -----------------------------------------------------------------------------


def detect_kind(data: bytes, filename: str | None = None) -> DocumentKind:
    """The document's type from its content. `filename` may only choose between the plain
    text readings (text, Markdown, CSV) of content that is plain text: it never makes a zip
    a DOCX or text a PDF. Anything else raises `UnsupportedType`."""
    if _is_pdf(data):
        return DocumentKind.pdf
    if data.startswith(_ZIP_MAGIC):
        if _is_docx(data):
            return DocumentKind.docx
        raise UnsupportedType(f"A zip archive that is not a Word document (DOCX); {_SUPPORTED}")
    text = _decode_text(data)
    if text is None:
        # An HTML page in a legacy encoding: its markup is ASCII, its charset is declared
        # inside (trafilatura reads it).
        if b"\x00" not in data and _looks_like_html(data[:8192].decode("latin-1")):
            return DocumentKind.html
        raise UnsupportedType(f"{_describe_binary(data)} is not supported; {_SUPPORTED}")
    if _looks_like_html(text):
        return DocumentKind.html
    extension = PurePosixPath(filename or "").suffix.lower()
    if extension in _MARKDOWN_EXTENSIONS:
        return DocumentKind.markdown
    if extension in _CSV_EXTENSIONS:
        return DocumentKind.csv
    if extension in _TEXT_EXTENSIONS:
        return DocumentKind.text
    if _csv_dialect(text) is not None:
        return DocumentKind.csv
    if _MARKDOWN_HINT.search(text[:65536]):
        return DocumentKind.markdown
    return DocumentKind.text


def _is_pdf(data: bytes) -> bool:
    # Readers accept the header anywhere in the first KiB; text that merely mentions it
    # does not count: only whitespace or binary bytes may come before it.
    at = data.find(b"%PDF-", 0, 1024)
    if at < 0:
        return False
    before = data[:at]
    return not before.strip() or _decode_text(before) is None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableDocument("The file looks like a zip archive but is corrupt") from exc
    return "word/document.xml" in names and "[Content_Types].xml" in names


def _decode_text(data: bytes) -> str | None:
    """Text in UTF-8 (BOM or not) or UTF-16 with a BOM, without NULs; None for anything
    else (binary, or a legacy encoding)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _looks_like_html(text: str) -> bool:
    return _HTML_START.match(text[:8192].lstrip().lower()) is not None


def _describe_binary(data: bytes) -> str:
    import puremagic

    try:
        extension = puremagic.from_string(data[:8192])
    except (puremagic.PureError, ValueError):
        return "A binary file"
    return f"A {extension.lstrip('.').upper()} file" if extension else "A binary file"


def _csv_dialect(text: str) -> type[csv.Dialect] | None:
    """A dialect under which the first rows all have the same number (at least two) of
    fields; None when the text does not read as a table."""
    sample = text[:16384]
    truncated = len(text) > len(sample)
    if truncated:
        sample = sample[: sample.rfind("\n") + 1]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        rows = [row for row in csv.reader(io.StringIO(sample), dialect) if row]
    except csv.Error:
        return None
    if truncated:
        rows = rows[:-1]  # may end inside a quoted field
    widths = {len(row) for row in rows[:500]}
    if len(rows) < 2 or len(widths) != 1 or widths.pop() < 2:
        return None
    return dialect


# --- parsing -------------------------------------------------------------------------------


def parse(
    data: bytes, *, filename: str | None = None, limits: ParseLimits = ParseLimits()
) -> ParsedDocument:
    """Detect the type of `data` and read its text into sections. Synchronous and
    CPU-bound: run it in a thread."""
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(f"The document is larger than {limits.max_bytes} bytes")
    if not data.strip():
        raise UnreadableDocument("The file is empty")
    kind = detect_kind(data, filename)
    if kind is DocumentKind.pdf:
        return _parse_pdf(data, limits)
    if kind is DocumentKind.docx:
        return _parse_docx(data, limits)
    text = _decode_text(data)
    if kind is DocumentKind.html:
        return parse_html(data if text is None else text, limits=limits)
    assert text is not None  # detect_kind answers the other kinds only for text
    if len(text) > limits.max_chars:
        raise DocumentTooLarge(f"The document holds more than {limits.max_chars} characters")
    text = _newlines(text)
    if kind is DocumentKind.markdown:
        return _finish(kind, _markdown_sections(text), limits)
    if kind is DocumentKind.csv:
        tabs = PurePosixPath(filename or "").suffix.lower() == ".tsv"
        return _finish(kind, _csv_sections(text, tabs=tabs), limits)
    return _finish(kind, _text_sections(text), limits)


def parse_html(
    html: bytes | str, *, url: str | None = None, limits: ParseLimits = ParseLimits()
) -> ParsedDocument:
    """The readable text of a web page (trafilatura): boilerplate, scripts and navigation
    dropped, headings kept as sections."""
    import trafilatura
    from trafilatura.settings import Document as Extracted

    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise DocumentTooLarge(f"The page is larger than {limits.max_bytes} bytes")
    if isinstance(html, str):
        # lxml stops at a NUL or a lone surrogate: the text after it would be lost.
        html = _storable(html)
    try:
        extracted = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            # Headings come out as Markdown `#` lines, so they can become sections.
            include_formatting=True,
            output_format="python",
        )
        text: str | None = None
        title: str | None = None
        if isinstance(extracted, Extracted):
            text, title = extracted.text, extracted.title
        if not text or not text.strip():
            # Too short for trafilatura's article extraction (a few lines): all the
            # visible text, still without scripts and styles.
            text = trafilatura.html2txt(html)
    except AtriumError:
        raise
    except Exception as exc:  # lxml and its callers raise many kinds on broken markup
        raise UnreadableDocument("The page could not be read") from exc
    text = _newlines(text or "")
    if len(text) > limits.max_chars:
        raise DocumentTooLarge(f"The page holds more than {limits.max_chars} characters")
    return _finish(DocumentKind.html, _markdown_sections(text), limits, title=title)


def _parse_pdf(data: bytes, limits: ParseLimits) -> ParsedDocument:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only to restrict printing or copying: the empty user
            # password opens them.
            try:
                opened = bool(reader.decrypt(""))
            except Exception:
                opened = False
            if not opened:
                raise UnreadableDocument("The PDF is protected by a password")
        pages = len(reader.pages)
    except AtriumError:
        raise
    except Exception as exc:  # pypdf raises many kinds on corrupt files
        raise UnreadableDocument("The PDF could not be read") from exc
    if pages > limits.max_pages:
        raise DocumentTooLarge(f"The PDF has {pages} pages, more than {limits.max_pages}")
    sections: list[Section] = []
    chars = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:
            text = ""  # one broken page does not lose the others
        chars += len(text)
        if chars > limits.max_chars:
            raise DocumentTooLarge(f"The document holds more than {limits.max_chars} characters")
        sections.append(Section(text=text, page=number))
    title = None
    try:
        title = reader.metadata.title if reader.metadata is not None else None
    except Exception:
        title = None
    if not any(section.text.strip() for section in sections):
        raise UnreadableDocument(
            "The PDF holds no text (a scanned document needs OCR, which is not done here)"
        )
    return _finish(DocumentKind.pdf, sections, limits, pages=pages, title=title)


def _check_zip(data: bytes, limits: ParseLimits) -> None:
    """Refuse a zip bomb from its directory alone, before anything is inflated. zipfile
    never inflates a member past the size its directory declares, so checking the
    declared sizes bounds what python-docx can unpack."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableDocument("The DOCX is not a readable zip archive") from exc
    if len(members) > _MAX_ZIP_MEMBERS:
        raise UnreadableDocument("The DOCX looks like a zip bomb (too many members)")
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.max_unzipped_bytes:
            raise UnreadableDocument(
                f"The DOCX looks like a zip bomb: it unpacks to more than "
                f"{limits.max_unzipped_bytes} bytes"
            )
        if member.file_size > _RATIO_CHECK_FROM_BYTES and member.file_size > _MAX_ZIP_RATIO * max(
            member.compress_size, 1
        ):
            raise UnreadableDocument(
                f"The DOCX looks like a zip bomb: a member compressed more than {_MAX_ZIP_RATIO}:1"
            )


def _parse_docx(data: bytes, limits: ParseLimits) -> ParsedDocument:
    _check_zip(data, limits)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        title = document.core_properties.title or None
        # Style names by id, read once: `Paragraph.style` looks the default style up by
        # scanning every style, per paragraph (most of the time spent on a large file).
        style_names = {style.style_id: style.name or "" for style in document.styles}
    except Exception as exc:  # python-docx and lxml raise many kinds on corrupt files
        raise UnreadableDocument("The DOCX could not be read") from exc
    headings = _HeadingPath()
    sections: list[Section] = []
    lines: list[str] = []
    chars = 0

    def flush() -> None:
        if lines:
            sections.append(Section(text="\n".join(lines), heading=headings.path()))
            lines.clear()

    for block in blocks:
        if isinstance(block, Paragraph):
            text = block.text
            style_id = block._p.style
            style = style_names.get(style_id, "") if style_id else ""
            level = _docx_heading_level(style)
            if level is not None and text.strip():
                flush()
                headings.enter(level, text)
                chars += len(text)
                continue
            if style == "Title" and text.strip() and title is None:
                title = text.strip()
        elif isinstance(block, Table):
            text = _docx_table_text(block)
        else:  # pragma: no cover - python-docx yields only these two
            continue
        chars += len(text)
        if chars > limits.max_chars:
            raise DocumentTooLarge(f"The document holds more than {limits.max_chars} characters")
        lines.append(text)
    flush()
    return _finish(DocumentKind.docx, sections, limits, title=title)


def _docx_heading_level(style: str) -> int | None:
    match = re.fullmatch(r"heading\s*([1-9])", style.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def _docx_table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text.strip())
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


class _HeadingPath:
    """The headings above the current line: a new heading closes those at its level or
    deeper."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        title = " ".join(title.split())[:_MAX_HEADING_CHARS]
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        if title:
            self._stack.append((level, title))

    def path(self) -> str | None:
        return " > ".join(title for _, title in self._stack) or None


def _markdown_sections(text: str) -> list[Section]:
    """Sections between the top-level headings, each under its heading path; a section's
    text is the Markdown source itself (tables, code and links kept as written)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    lines = text.split("\n")
    headings = _HeadingPath()
    sections: list[Section] = []
    cursor = 0
    for at, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or token.map is None:
            continue
        start, end = token.map
        body = "\n".join(lines[cursor:start])
        if body.strip():
            sections.append(Section(text=body, heading=headings.path()))
        inline = tokens[at + 1] if at + 1 < len(tokens) else None
        headings.enter(int(token.tag[1]), _inline_text(inline.children or []) if inline else "")
        cursor = end
    body = "\n".join(lines[cursor:])
    if body.strip():
        sections.append(Section(text=body, heading=headings.path()))
    return sections


def _inline_text(children: Iterable[Any]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.children:
            parts.append(_inline_text(child.children))
    return "".join(parts)


def _csv_sections(text: str, *, tabs: bool) -> list[Section]:
    dialect = _csv_dialect(text) or (csv.excel_tab if tabs else csv.excel)
    try:
        rows = [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), dialect)
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as exc:
        raise UnreadableDocument(f"The CSV could not be read: {exc}") from exc
    if not rows:
        return []
    header = " | ".join(rows[0])
    if len(rows) == 1:
        return [Section(text=header)]
    sections: list[Section] = []
    block: list[str] = []
    first = 1

    def flush(last: int) -> None:
        sections.append(Section(text="\n".join([header, *block]), heading=f"rows {first}-{last}"))

    size = len(header)
    for number, row in enumerate(rows[1:], start=1):
        line = " | ".join(row)
        if block and size + len(line) > _CSV_BLOCK_CHARS:
            flush(number - 1)
            block, size, first = [], len(header), number
        block.append(line)
        size += len(line) + 1
    flush(len(rows) - 1)
    return sections


def _text_sections(text: str) -> list[Section]:
    return [Section(text=part) for part in _BLANK_LINES.split(text) if part.strip()]


# --- cleaning ------------------------------------------------------------------------------


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _storable(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogate (it has no UTF-8 form)."""
    text = text.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text)


def _finish(
    kind: DocumentKind,
    sections: list[Section],
    limits: ParseLimits,
    *,
    pages: int | None = None,
    title: str | None = None,
) -> ParsedDocument:
    kept: list[Section] = []
    chars = 0
    for section in sections:
        text = _storable(_newlines(section.text)).strip()
        if not text:
            continue
        chars += len(text)
        if chars > limits.max_chars:
            raise DocumentTooLarge(f"The document holds more than {limits.max_chars} characters")
        heading = _storable(section.heading) if section.heading else None
        kept.append(Section(text=text, page=section.page, heading=heading))
    if not kept:
        raise UnreadableDocument("The document holds no readable text")
    clean_title = " ".join(_storable(title).split())[:_MAX_HEADING_CHARS] if title else None
    return ParsedDocument(kind=kind, sections=kept, pages=pages, title=clean_title or None)
