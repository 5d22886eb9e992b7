"""Chunking with the embedder's own tokenizer: bounded sizes, overlap, nothing lost, pages
and headings carried."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from atrium.knowledge.chunking import Chunk, Chunker, default_tokenizer_file
from atrium.knowledge.parsing import DocumentKind, ParsedDocument, Section

WORDS = [
    "the",
    "of",
    "and",
    "river",
    "mountain",
    "library",
    "quietly",
    "remarkable",
    "internationalisation",
    "électricité",
    "naïve",
    "café",
    "tokenisation",
    "Atrium's",
    "well-kept",
    "2026",
    "3.14",
    "e-mail",
    "ocean",
    "harbour",
    "lighthouse",
    "keeper",
    "whispered",
    "storm",
    "northern",
    "archive",
    "manuscript",
    "cartographer",
    "seventeen",
]


def _prose(seed: int, paragraphs: int, sentences: int = 6) -> str:
    rnd = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentence_list = []
        for _ in range(sentences):
            words = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 18))]
            sentence_list.append(" ".join(words).capitalize() + rnd.choice(".!?"))
        out.append(" ".join(sentence_list))
    return "\n\n".join(out)


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(default_tokenizer_file(), max_tokens=64, overlap=12)


@pytest.fixture(scope="module")
def embedder_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(default_tokenizer_file()))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _document(*sections: Section) -> ParsedDocument:
    return ParsedDocument(kind=DocumentKind.text, sections=list(sections))


def _spans(source: str, chunks: list[Chunk]) -> list[tuple[int, int]]:
    """Where each chunk lies in `source` (chunks are slices of it, in order)."""
    spans = []
    at = 0
    for chunk in chunks:
        start = source.find(chunk.text, at)
        assert start >= 0, f"chunk {chunk.index} is not a slice of the source"
        spans.append((start, start + len(chunk.text)))
        at = start + 1
    return spans


def test_sizes_stay_within_bounds(chunker: Chunker, embedder_tokenizer: Tokenizer) -> None:
    chunks = chunker.chunk(_document(Section(_prose(1, 30))))
    assert len(chunks) > 10
    for chunk in chunks:
        # what the embedder itself reads, special tokens included
        assert chunk.token_count == len(embedder_tokenizer.encode(chunk.text).ids)
        assert chunk.token_count == chunker.count(chunk.text)
        assert chunk.token_count <= 64
    # windows are not cut needlessly short (all but the last hold over half the budget)
    assert all(chunk.token_count > 32 for chunk in chunks[:-1])
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_default_chunker_fits_the_embedder(embedder_tokenizer: Tokenizer) -> None:
    chunker = Chunker(default_tokenizer_file())
    assert (chunker.max_tokens, chunker.overlap) == (256, 32)
    chunks = chunker.chunk(_document(Section(_prose(2, 40))))
    assert len(chunks) > 3
    for chunk in chunks:
        # all-MiniLM-L6-v2 reads 256 word pieces, [CLS] and [SEP] included
        assert len(embedder_tokenizer.encode(chunk.text).ids) <= 256


def test_neighbours_overlap(chunker: Chunker) -> None:
    source = _prose(3, 20)
    chunks = chunker.chunk(_document(Section(source)))
    spans = _spans(source, chunks)
    for (_, previous_end), (start, _) in itertools.pairwise(spans):
        shared = source[start:previous_end]
        assert start < previous_end, "consecutive chunks do not overlap"
        # about `overlap` tokens: moved back to a word start, never much more
        assert 12 - 4 <= chunker.count(shared) - 2 <= 12 + 8


def test_no_overlap_when_asked(chunker: Chunker) -> None:
    source = _prose(4, 10)
    plain = Chunker(default_tokenizer_file(), max_tokens=64, overlap=0)
    chunks = plain.chunk(_document(Section(source)))
    spans = _spans(source, chunks)
    for (_, previous_end), (start, _) in itertools.pairwise(spans):
        assert start >= previous_end


def test_every_word_appears_whole_in_some_chunk(chunker: Chunker) -> None:
    source = _prose(5, 25)
    chunks = chunker.chunk(_document(Section(source)))
    for start, end in _spans(source, chunks):
        # cut between words, never inside one
        assert start == 0 or source[start - 1].isspace()
        assert end == len(source) or source[end].isspace()
    assert _covers(source, chunks)
    chunk_words = {word for chunk in chunks for word in chunk.text.split()}
    assert set(source.split()) <= chunk_words


def test_windows_end_at_sentence_ends_when_there_are_some(chunker: Chunker) -> None:
    rnd = random.Random(6)
    sentences = [" ".join(rnd.choice(WORDS) for _ in range(4)) + "." for _ in range(200)]
    source = " ".join(sentences)
    chunks = chunker.chunk(_document(Section(source)))
    assert len(chunks) > 5
    assert all(chunk.text.endswith(".") for chunk in chunks)


def test_windows_end_at_paragraph_ends_when_there_are_some(chunker: Chunker) -> None:
    rnd = random.Random(7)
    paragraphs = [
        ". ".join(" ".join(rnd.choice(WORDS) for _ in range(2)) for _ in range(2)) + "."
        for _ in range(80)
    ]
    source = "\n\n".join(paragraphs)
    chunks = chunker.chunk(_document(Section(source)))
    spans = _spans(source, chunks)
    assert len(spans) > 5
    for _, end in spans[:-1]:
        assert source[end : end + 2] == "\n\n"


def test_pages_and_headings_are_carried_and_never_crossed(chunker: Chunker) -> None:
    sections = [
        Section(_prose(10, 3), page=1, heading="Intro"),
        Section(_prose(11, 1), page=1, heading="Intro"),
        Section(_prose(12, 4), page=1, heading="Intro > Details"),
        Section(_prose(13, 2), page=2, heading="Intro > Details"),
        Section("Short closing words.", page=3, heading=None),
    ]
    chunks = chunker.chunk(ParsedDocument(kind=DocumentKind.pdf, sections=sections, pages=3))
    keys = [(chunk.page, chunk.heading) for chunk in chunks]
    assert {(s.page, s.heading) for s in sections} == set(keys)
    for chunk in chunks:
        owners = [s for s in sections if (s.page, s.heading) == (chunk.page, chunk.heading)]
        joined = "\n\n".join(s.text for s in owners)
        assert chunk.text in joined
    # keys change only forward: a section's chunks are contiguous
    changes = [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
    assert len(changes) == 3
    assert chunks[-1].text == "Short closing words."
    assert chunks[-1].page == 3


def test_short_sections_under_one_heading_share_a_chunk(chunker: Chunker) -> None:
    document = _document(
        Section("First short paragraph.", heading="A"),
        Section("Second short paragraph.", heading="A"),
        Section("Under another heading.", heading="B"),
    )
    chunks = chunker.chunk(document)
    assert [(c.text, c.heading) for c in chunks] == [
        ("First short paragraph.\n\nSecond short paragraph.", "A"),
        ("Under another heading.", "B"),
    ]


def test_empty_sections_are_skipped(chunker: Chunker) -> None:
    document = _document(
        Section(""),
        Section("Real text here.", page=1),
        Section("   \n\t ", page=2),
        Section("More text.", page=3),
    )
    chunks = chunker.chunk(document)
    assert [(c.index, c.text, c.page) for c in chunks] == [
        (0, "Real text here.", 1),
        (1, "More text.", 3),
    ]
    assert chunker.chunk(_document(Section(" "))) == []


def test_deterministic(chunker: Chunker) -> None:
    document = _document(Section(_prose(7, 12), page=4, heading="H"))
    first = chunker.chunk(document)
    assert chunker.chunk(document) == first
    assert Chunker(default_tokenizer_file(), max_tokens=64, overlap=12).chunk(document) == first


def _covers(source: str, chunks: list[Chunk]) -> bool:
    covered = [False] * len(source)
    for start, end in _spans(source, chunks):
        covered[start:end] = [True] * (end - start)
    return all(covered[i] for i, char in enumerate(source) if not char.isspace())


def test_text_without_spaces_is_cut_but_fits(
    chunker: Chunker, embedder_tokenizer: Tokenizer
) -> None:
    rnd = random.Random(8)
    letters = "abcdefghijklmnopqrstuvwxyz"
    # a long URL: no space anywhere, pieces between its slashes
    url = "https://example.com/" + "/".join(
        "".join(rnd.choice(letters) for _ in range(60)) for _ in range(8)
    )
    source = f"Before the link. {url} After the link."
    chunks = chunker.chunk(_document(Section(source)))
    assert len(chunks) > 3
    for chunk in chunks:
        assert len(embedder_tokenizer.encode(chunk.text).ids) <= 64
    assert _covers(source, chunks)


def test_a_word_longer_than_half_a_window_is_cut_inside_but_fits(
    embedder_tokenizer: Tokenizer,
) -> None:
    small = Chunker(default_tokenizer_file(), max_tokens=20, overlap=4)
    rnd = random.Random(9)
    # one word of many word pieces (the tokenizer reads words up to 100 characters)
    word = "".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(99))
    assert small.count(word) > 20
    chunks = small.chunk(_document(Section(word)))
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(embedder_tokenizer.encode(chunk.text).ids) <= 20
    assert _covers(word, chunks)


def test_count_includes_the_special_tokens(chunker: Chunker) -> None:
    assert chunker.count("") == 2
    assert chunker.count("hello world") == 4


@pytest.mark.parametrize(("max_tokens", "overlap"), [(9, 0), (64, 40), (64, -1)])
def test_bad_settings_are_refused(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        Chunker(default_tokenizer_file(), max_tokens=max_tokens, overlap=overlap)


def test_default_tokenizer_file_is_the_packaged_embedders() -> None:
    path = default_tokenizer_file()
    assert isinstance(path, Path)
    assert path.is_file()
    assert path.parent.joinpath("config_sentence_transformers.json").is_file()


def test_a_long_document_is_chunked_block_by_block(
    chunker: Chunker, embedder_tokenizer: Tokenizer
) -> None:
    source = _prose(11, 600)
    assert len(source) > 150_000
    chunks = chunker.chunk(_document(Section(source)))
    assert all(chunk.token_count <= 64 for chunk in chunks)
    assert _covers(source, chunks)
    for start, end in _spans(source, chunks):
        assert start == 0 or source[start - 1].isspace()
        assert end == len(source) or source[end].isspace()
