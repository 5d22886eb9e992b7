"""Parsing: every supported type built here with the library that writes it, the type taken
from the content whatever the name says, and bad documents refused with the right error."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from atrium.knowledge.parsing import (
    DocumentKind,
    DocumentTooLarge,
    ParsedDocument,
    ParseLimits,
    UnreadableDocument,
    UnsupportedType,
    detect_kind,
    parse,
    parse_html,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _pdf(pages: list[str], *, title: str | None = None, **encryption: Any) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    if title:
        pdf.set_title(title)
    if encryption:
        pdf.set_encryption(**encryption)
    return bytes(pdf.output())


def _docx(build: Callable[[Any], None]) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _texts(document: ParsedDocument) -> str:
    return "\n".join(section.text for section in document.sections)


def _no_unstorable(document: ParsedDocument) -> None:
    for section in document.sections:
        for value in (section.text, section.heading or ""):
            assert "\x00" not in value
            value.encode("utf-8")  # no lone surrogate


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_pages_are_sections_with_their_numbers() -> None:
    data = _pdf(
        [
            "Aardvarks dig burrows in the savanna.",
            "Bees make honey from nectar.",
            "",  # a page without text: no section, still counted
            "Chameleons change colour.",
        ],
        title="Animals",
    )
    document = parse(data, filename="animals.pdf")
    assert document.kind is DocumentKind.pdf
    assert document.pages == 4
    assert document.title == "Animals"
    by_page = {section.page: section.text for section in document.sections}
    assert set(by_page) == {1, 2, 4}
    assert "Aardvarks" in by_page[1]
    assert "honey" in by_page[2]
    assert "Chameleons" in by_page[4]
    _no_unstorable(document)


def test_encrypted_pdf_is_unreadable() -> None:
    data = _pdf(
        ["Confidential plans."],
        owner_password="owner",
        user_password="secret",
        encryption_method=EncryptionMethod.AES_128,
    )
    with pytest.raises(UnreadableDocument, match="password") as caught:
        parse(data)
    assert caught.value.status_code == 422
    assert caught.value.code == "unreadable_document"


def test_pdf_encrypted_only_against_editing_opens_with_the_empty_password() -> None:
    data = _pdf(["Open to read."], owner_password="owner", user_password="")
    assert "Open to read." in _texts(parse(data))


def test_pdf_over_the_page_cap_is_too_large() -> None:
    data = _pdf(["one", "two", "three"])
    assert parse(data, limits=ParseLimits(max_pages=3)).pages == 3
    with pytest.raises(DocumentTooLarge, match="pages") as caught:
        parse(data, limits=ParseLimits(max_pages=2))
    assert caught.value.status_code == 413
    assert caught.value.code == "document_too_large"


def test_pdf_without_text_and_corrupt_pdf_are_unreadable() -> None:
    with pytest.raises(UnreadableDocument, match="no text"):
        parse(_pdf(["", ""]))
    with pytest.raises(UnreadableDocument, match="could not be read"):
        parse(b"%PDF-1.7\nthis is not really a PDF\n%%EOF\n")


# --- DOCX ----------------------------------------------------------------------------------


def _report(document: Any) -> None:
    document.core_properties.title = "Quarterly report"
    document.add_paragraph("Prepared by the finance team.")
    document.add_heading("Revenue", level=1)
    document.add_paragraph("Revenue grew by twelve percent.")
    document.add_heading("By region", level=2)
    document.add_paragraph("Europe led the growth.")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {
        (0, 0): "Region",
        (0, 1): "Growth",
        (1, 0): "Europe",
        (1, 1): "18%",
    }.items():
        table.cell(row, col).text = text
    document.add_heading("Costs", level=1)
    document.add_paragraph("Costs stayed flat.")


def test_docx_sections_follow_the_headings() -> None:
    document = parse(_docx(_report), filename="report.docx")
    assert document.kind is DocumentKind.docx
    assert document.title == "Quarterly report"
    sections = {section.heading: section.text for section in document.sections}
    assert sections == {
        None: "Prepared by the finance team.",
        "Revenue": "Revenue grew by twelve percent.",
        "Revenue > By region": "Europe led the growth.\nRegion | Growth\nEurope | 18%",
        "Costs": "Costs stayed flat.",
    }
    assert all(section.page is None for section in document.sections)


def test_zip_bomb_inside_a_docx_is_refused_without_inflating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.BytesIO(_docx(_report))
    # 300 MB of zeros, written a megabyte at a time: about 300 KB compressed.
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/zeros.bin", "w") as member,
    ):
        zeros = bytes(1 << 20)
        for _ in range(300):
            member.write(zeros)
    data = out.getvalue()
    assert len(data) < 2 << 20
    assert detect_kind(data) is DocumentKind.docx

    def no_inflating(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    with pytest.raises(UnreadableDocument, match="zip bomb"):
        parse(data)
    # the ratio alone catches a smaller one
    with pytest.raises(UnreadableDocument, match="compressed more than 100:1"):
        parse(data, limits=ParseLimits(max_unzipped_bytes=1 << 30))


def test_docx_unpacking_over_the_cap_is_refused() -> None:
    out = io.BytesIO(_docx(_report))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/media/noise.bin", os.urandom(300_000))
    data = out.getvalue()
    assert parse(data).kind is DocumentKind.docx
    with pytest.raises(UnreadableDocument, match="unpacks to more than"):
        parse(data, limits=ParseLimits(max_unzipped_bytes=200_000))


def test_corrupt_docx_is_unreadable() -> None:
    data = _docx(_report)
    with pytest.raises(UnreadableDocument):
        parse(data[: len(data) // 2])
    broken = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<not-closed"})
    with pytest.raises(UnreadableDocument, match="could not be read"):
        parse(broken)


# --- HTML ----------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Tea guide | Example</title>
<script>var secretTracking = "tracker-7731";</script>
<style>.menu { color: red }</style></head>
<body>
<nav><ul><li><a href="/">Homepage link</a></li>
<li><a href="/shop">Shop navigation</a></li></ul></nav>
<article>
<h1>Brewing green tea</h1>
<p>Green tea is best brewed at around eighty degrees Celsius for two to three minutes.
Boiling water makes it bitter and destroys its delicate flavours.</p>
<h2>Choosing leaves</h2>
<p>Whole leaves from a reliable shop keep their aroma far longer than dust in paper bags.
Store them airtight, cool and away from light.</p>
<h3>Storage</h3>
<p>A tin with a tight lid keeps leaves fresh for months, a glass jar for weeks.</p>
</article>
<footer>Copyright 2026 Example Ltd. Privacy policy. Cookie settings.</footer>
<script>document.write("injected-by-script")</script>
</body></html>"""


def _check_tea(document: ParsedDocument) -> None:
    assert document.kind is DocumentKind.html
    text = _texts(document)
    assert "eighty degrees Celsius" in text
    assert "airtight" in text
    for boilerplate in (
        "tracker-7731",
        "injected-by-script",
        "color: red",
        "Homepage link",
        "Shop navigation",
        "Cookie settings",
    ):
        assert boilerplate not in text
    headings = {section.heading for section in document.sections}
    assert "Brewing green tea > Choosing leaves > Storage" in headings
    storage = next(s for s in document.sections if s.heading and s.heading.endswith("Storage"))
    assert "tight lid" in storage.text


def test_html_keeps_readable_text_and_headings() -> None:
    document = parse(PAGE.encode(), filename="page.html")
    _check_tea(document)
    assert document.title is not None
    assert "tea" in document.title.lower()


def test_parse_html_for_urls() -> None:
    _check_tea(parse_html(PAGE, url="https://example.com/tea"))
    _check_tea(parse_html(PAGE.encode()))


def test_html_in_a_legacy_encoding() -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body>'
        "<p>Le caf\xe9 cr\xe8me est servi chaud, avec une tarte fine aux pommes.</p>"
        "</body></html>"
    ).encode("cp1252")
    document = parse(page)
    assert document.kind is DocumentKind.html
    assert "café crème" in _texts(document)


def test_short_page_keeps_its_text() -> None:
    document = parse(b"<html><body><p>Just one line.</p><script>x()</script></body></html>")
    assert _texts(document) == "Just one line."


def test_nul_and_lone_surrogates_never_survive() -> None:
    page = (
        "<html><body><h1>Head\ud800line</h1>"
        "<p>Before\x00after and a lone \udfff here.</p></body></html>"
    )
    document = parse_html(page)
    _no_unstorable(document)
    assert "Beforeafter" in _texts(document)


def test_empty_page_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        parse_html("<html><body><script>only()</script></body></html>")


# --- Markdown, CSV, text -------------------------------------------------------------------

MARKDOWN = """Preamble before any heading.

# Installation

Run the installer.

## On Linux

Use the package manager:

```sh
apt install atrium
```

Setext heading
--------------

Under the setext heading.

# Usage

Start it with `atrium serve`.
"""


def test_markdown_splits_at_headings_and_keeps_the_path() -> None:
    document = parse(MARKDOWN.encode(), filename="README.md")
    assert document.kind is DocumentKind.markdown
    sections = [(section.heading, section.text) for section in document.sections]
    assert sections == [
        (None, "Preamble before any heading."),
        ("Installation", "Run the installer."),
        (
            "Installation > On Linux",
            "Use the package manager:\n\n```sh\napt install atrium\n```",
        ),
        ("Installation > Setext heading", "Under the setext heading."),
        ("Usage", "Start it with `atrium serve`."),
    ]


def test_markdown_is_recognised_without_a_name() -> None:
    assert detect_kind(MARKDOWN.encode()) is DocumentKind.markdown


def test_csv_blocks_repeat_the_header() -> None:
    rows = [f"{n},City {n},{n * 1000}" for n in range(1, 101)]
    data = ("id,city,population\n" + "\n".join(rows) + "\n").encode()
    assert detect_kind(data) is DocumentKind.csv
    document = parse(data, filename="cities.csv")
    assert document.kind is DocumentKind.csv
    assert len(document.sections) > 3
    for section in document.sections:
        assert section.text.startswith("id | city | population\n")
        assert len(section.text) <= 700
    body = [line for s in document.sections for line in s.text.split("\n")[1:]]
    assert body == [row.replace(",", " | ") for row in rows]
    assert document.sections[0].heading is not None
    assert document.sections[0].heading.startswith("rows 1-")


def test_csv_dialects() -> None:
    semicolons = b"name;role\nAda;engineer\nGrace;admiral\n"
    assert _texts(parse(semicolons)) == "name | role\nAda | engineer\nGrace | admiral"
    tabs = b"name\trole\nAda\tengineer\n"
    assert _texts(parse(tabs, filename="people.tsv")) == "name | role\nAda | engineer"


def test_text_splits_on_blank_lines() -> None:
    data = b"First paragraph,\nstill first.\n\n  \nSecond paragraph.\r\n\r\nThird.\n"
    document = parse(data, filename="notes.txt")
    assert document.kind is DocumentKind.text
    assert [s.text for s in document.sections] == [
        "First paragraph,\nstill first.",
        "Second paragraph.",
        "Third.",
    ]


def test_utf16_text_with_a_bom() -> None:
    data = "Grüße aus Köln.\n\nZweiter Absatz.".encode("utf-16")
    document = parse(data)
    assert document.kind is DocumentKind.text
    assert _texts(document) == "Grüße aus Köln.\nZweiter Absatz."


# --- detection from the content ------------------------------------------------------------


def test_a_pdf_named_txt_is_a_pdf() -> None:
    document = parse(_pdf(["Lying name."]), filename="notes.txt")
    assert document.kind is DocumentKind.pdf
    assert document.pages == 1


def test_text_named_pdf_is_text() -> None:
    assert parse(b"Plain words.", filename="report.pdf").kind is DocumentKind.text
    assert parse(b"Plain words.", filename="report.docx").kind is DocumentKind.text


def test_text_that_mentions_the_pdf_header_is_text() -> None:
    assert detect_kind(b"A PDF starts with %PDF-1.7 and ends with %%EOF.") is DocumentKind.text


def test_text_that_starts_like_a_zip_is_text() -> None:
    assert detect_kind(b"PKI certificates expire.") is DocumentKind.text


def test_a_docx_named_txt_is_a_docx() -> None:
    assert parse(_docx(_report), filename="report.txt").kind is DocumentKind.docx


def test_html_named_txt_is_html() -> None:
    assert detect_kind(PAGE.encode(), "page.txt") is DocumentKind.html


def test_the_name_chooses_only_among_plain_text_readings() -> None:
    table = b"a,b\n1,2\n3,4\n"
    assert detect_kind(table) is DocumentKind.csv
    assert detect_kind(table, "table.txt") is DocumentKind.text
    assert detect_kind(table, "table.md") is DocumentKind.markdown
    assert detect_kind(b"just words", "words.csv") is DocumentKind.csv
    assert detect_kind(b"just words") is DocumentKind.text


@pytest.mark.parametrize("name", ["archive.docx", "archive.zip", None])
def test_a_zip_that_is_not_a_docx_is_unsupported(name: str | None) -> None:
    data = _zip({"readme.txt": b"hello", "word/other.xml": b"<x/>"})
    with pytest.raises(UnsupportedType, match="zip") as caught:
        parse(data, filename=name)
    assert caught.value.status_code == 415
    assert caught.value.code == "unsupported_type"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (PNG + bytes(64), "image.png"),
        (PNG + bytes(64), "notes.txt"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "program.md"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64), "setup.csv"),
        ("caf\xe9 au lait".encode("latin-1"), "menu.txt"),
    ],
    ids=["png", "png-named-txt", "elf", "exe", "latin-1-text"],
)
def test_binary_and_undecodable_content_is_unsupported(data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedType, match="not supported"):
        parse(data, filename=name)


# --- sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n  "], ids=["empty", "whitespace"])
def test_empty_document_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="empty"):
        parse(data, filename="empty.txt")


def test_whitespace_only_in_utf16_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument, match="no readable text"):
        parse("  \n \n".encode("utf-16"))


def test_oversize_document_is_too_large() -> None:
    data = b"word " * 1000
    limits = ParseLimits(max_bytes=4999)
    with pytest.raises(DocumentTooLarge, match="larger than 4999 bytes"):
        parse(data, limits=limits)
    with pytest.raises(DocumentTooLarge, match="larger than"):
        parse_html(b"<p>" + data + b"</p>", limits=limits)
    assert parse(data, limits=ParseLimits(max_bytes=5000)).kind is DocumentKind.text


def _five_paragraphs(document: Any) -> None:
    for _ in range(5):
        document.add_paragraph("word " * 200)


@pytest.mark.parametrize(
    "build",
    [
        lambda: b"word " * 1000,
        lambda: _pdf(["word " * 400, "word " * 400]),
        lambda: _docx(_five_paragraphs),
    ],
    ids=["text", "pdf", "docx"],
)
def test_too_many_characters_is_too_large(build: Callable[[], bytes]) -> None:
    with pytest.raises(DocumentTooLarge, match="characters"):
        parse(build(), limits=ParseLimits(max_chars=2000))
