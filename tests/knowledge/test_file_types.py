"""PDF, DOCX, HTML and CSV uploads through the API, built with fpdf2 and python-docx: each is
detected from its content, parsed, chunked with its pages or headings, and found by search."""

from __future__ import annotations

import io

import docx
from fpdf import FPDF

from tests.inprocess import Principal
from tests.knowledge.support import make_base, search, settled, upload


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Chapter one. The orchard was planted with apple trees in 1952.")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Chapter two. The cider press in the barn was repaired every autumn.")
    return bytes(pdf.output())


def _docx() -> bytes:
    document = docx.Document()
    document.add_heading("Maintenance", level=1)
    document.add_paragraph("The boiler is serviced every October by a certified engineer.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


HTML = (
    b"<html><head><title>Ferries</title></head><body><h1>Ferries</h1><p>The first ferry to "
    b"the island leaves the pier at half past six in the morning.</p></body></html>"
)
CSV = b"city,population\nReykjavik,139875\nTromso,77544\n"


async def _ingest(owner: Principal, name: str, data: bytes) -> tuple[str, dict[str, object]]:
    base = await make_base(owner.http)
    r = await upload(owner.http, base["id"], [(name, data)])
    assert r.status_code == 202, r.text
    [made] = r.json()
    return base["id"], await settled(owner.http, f"/knowledge/{base['id']}/files/{made['id']}")


async def test_pdf_upload_keeps_page_numbers(owner: Principal) -> None:
    base_id, done = await _ingest(owner, "orchard.pdf", _pdf())
    assert done["status"] == "ready" and done["kind"] == "pdf" and done["pages"] == 2, done
    [hit, *_] = await search(owner.http, base_id, "when was the cider press repaired")
    assert hit["page"] == 2 and "cider press" in hit["snippet"]


async def test_docx_upload_keeps_headings(owner: Principal) -> None:
    base_id, done = await _ingest(owner, "house.docx", _docx())
    assert done["status"] == "ready" and done["kind"] == "docx", done
    [hit, *_] = await search(owner.http, base_id, "when is the boiler serviced")
    assert hit["heading"] == "Maintenance" and "October" in hit["snippet"]


async def test_html_upload(owner: Principal) -> None:
    base_id, done = await _ingest(owner, "ferries.html", HTML)
    assert done["status"] == "ready" and done["kind"] == "html", done
    [hit, *_] = await search(owner.http, base_id, "first boat to the island in the morning")
    assert "half past six" in hit["snippet"] and "<p>" not in hit["snippet"]


async def test_csv_upload(owner: Principal) -> None:
    base_id, done = await _ingest(owner, "cities.csv", CSV)
    assert done["status"] == "ready" and done["kind"] == "csv", done
    [hit, *_] = await search(owner.http, base_id, "Tromso population", mode="keyword")
    assert "77544" in hit["snippet"]
