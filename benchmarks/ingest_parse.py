"""Parse and chunk throughput for knowledge ingestion, without a database or an embedder.

    .venv/bin/python benchmarks/ingest_parse.py [--pages 10,100,500] [--repeat 3]

For each size, the script generates a PDF (fpdf2, one page of prose per page: about 450
words) and a DOCX (python-docx, the same prose under Heading 1/2 every "page"), then times
`atrium.knowledge.parsing.parse` and `Chunker(default_tokenizer_file()).chunk` (256 tokens,
32 overlap: the settings ingestion uses) `--repeat` times and keeps the median. It prints
one markdown table: pages/s and MB/s for parsing, chunks/s for chunking, and pages/s for
both together; CPU seconds beside wall seconds show how much a busy machine slowed it.

Generation is not timed. Nothing is written to RESULTS.md; nothing is started, so nothing
is left behind. The prose is deterministic (a seeded generator over a fixed vocabulary).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

_WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from "
    "at which but have an they you were her she there been one all we their has would "
    "when river mountain library quietly remarkable harbour lighthouse keeper storm "
    "northern archive manuscript cartographer seventeen measured careful evening distant "
    "village railway engineer bridge winter summer market council record letter journey"
)
VOCABULARY = tuple(_WORDS.split())


def _prose(rnd: random.Random, words: int) -> list[str]:
    """Paragraphs of sentences, `words` words in all."""
    paragraphs, sentence, paragraph = [], [], []
    for _ in range(words):
        sentence.append(rnd.choice(VOCABULARY))
        if len(sentence) >= rnd.randint(8, 20):
            paragraph.append(" ".join(sentence).capitalize() + ".")
            sentence = []
            if len(paragraph) >= rnd.randint(3, 6):
                paragraphs.append(" ".join(paragraph))
                paragraph = []
    if sentence:
        paragraph.append(" ".join(sentence).capitalize() + ".")
    if paragraph:
        paragraphs.append(" ".join(paragraph))
    return paragraphs


def make_pdf(pages: int, seed: int = 1) -> bytes:
    from fpdf import FPDF

    rnd = random.Random(seed)
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=9)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 4.5, "\n\n".join(_prose(rnd, 450)))
    return bytes(pdf.output())


def make_docx(pages: int, seed: int = 1) -> bytes:
    import docx

    rnd = random.Random(seed)
    document = docx.Document()
    for number in range(pages):
        if number % 5 == 0:
            document.add_heading(f"Chapter {number // 5 + 1}", level=1)
        document.add_heading(f"Part {number + 1}", level=2)
        for paragraph in _prose(rnd, 450):
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class Row:
    kind: str
    pages: int
    megabytes: float
    chunks: int
    parse_wall: float
    parse_cpu: float
    chunk_wall: float
    chunk_cpu: float


def _timed(work: Callable[[], object], repeat: int) -> tuple[object, float, float]:
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def measure(kind: str, pages: int, data: bytes, repeat: int) -> Row:
    from atrium.knowledge.chunking import Chunker, default_tokenizer_file
    from atrium.knowledge.parsing import ParsedDocument, parse

    chunker = Chunker(default_tokenizer_file())
    document, parse_wall, parse_cpu = _timed(lambda: parse(data), repeat)
    assert isinstance(document, ParsedDocument)
    chunks, chunk_wall, chunk_cpu = _timed(lambda: chunker.chunk(document), repeat)
    assert isinstance(chunks, list)
    return Row(
        kind, pages, len(data) / 2**20, len(chunks), parse_wall, parse_cpu, chunk_wall, chunk_cpu
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| type | pages | MB | chunks | parse s (cpu) | parse pages/s | parse MB/s "
        "| chunk s (cpu) | chunks/s | parse+chunk pages/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        both = r.parse_wall + r.chunk_wall
        lines.append(
            f"| {r.kind} | {r.pages} | {r.megabytes:.2f} | {r.chunks} "
            f"| {r.parse_wall:.2f} ({r.parse_cpu:.2f}) | {r.pages / r.parse_wall:.1f} "
            f"| {r.megabytes / r.parse_wall:.2f} "
            f"| {r.chunk_wall:.2f} ({r.chunk_cpu:.2f}) | {r.chunks / r.chunk_wall:.0f} "
            f"| {r.pages / both:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="10,100,500", help="document sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per step (median)")
    args = parser.parse_args()
    sizes = [int(part) for part in args.pages.split(",") if part.strip()]
    rows = []
    for pages in sizes:
        for kind, make in (("pdf", make_pdf), ("docx", make_docx)):
            started = time.perf_counter()
            data = make(pages)
            print(
                f"generated {kind} of {pages} pages ({len(data) / 2**20:.2f} MB) "
                f"in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            rows.append(measure(kind, pages, data, max(1, args.repeat)))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
