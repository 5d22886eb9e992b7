"""Retrieval quality on the corpus in tests/knowledge/corpus.py (65 documents, 122 questions
that paraphrase them): hybrid recall@5 is at least 0.9, and hybrid is not below vector-only
or keyword-only on the same questions at 5 (and within one question of the better at 1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inprocess import Accounts, Principal
from tests.knowledge.corpus import DOCUMENTS, QUESTIONS
from tests.knowledge.support import ingested, make_base, search

K = 5


@pytest.fixture(scope="module")
async def corpus(accounts: Accounts) -> tuple[Principal, str]:
    owner = await accounts.gold(await accounts.tenant())  # room for many requests a minute
    base = await make_base(owner.http, "Corpus")
    for start in range(0, len(DOCUMENTS), 10):
        batch = DOCUMENTS[start : start + 10]
        await ingested(owner.http, base["id"], [(name, text.encode()) for name, text in batch])
    return owner, base["id"]


async def _recall(owner: Principal, base_id: str, mode: str, k: int = K) -> tuple[float, list[Any]]:
    missed = []
    for question, expected in QUESTIONS:
        hits = await search(owner.http, base_id, question, mode=mode, top_k=k)
        if expected not in {h["file_name"] for h in hits}:
            missed.append((question, expected, [h["file_name"] for h in hits]))
    return 1 - len(missed) / len(QUESTIONS), missed


async def test_hybrid_recall_at_5(corpus: tuple[Principal, str]) -> None:
    owner, base_id = corpus
    hybrid, missed = await _recall(owner, base_id, "hybrid")
    vector, _ = await _recall(owner, base_id, "vector")
    keyword, _ = await _recall(owner, base_id, "keyword")
    # Shown with -s (measured when written: see the note).
    print(f"recall@{K}: hybrid {hybrid:.3f}, vector {vector:.3f}, keyword {keyword:.3f}")
    # At 5 of 65 documents every mode finds nearly everything; the first hit tells them apart
    # (measured: hybrid 0.967 to 0.975, vector 0.967, keyword 0.877 to 0.885 at 1). Chunk ids
    # differ from run to run and break the keyword search's ties, so the first hit can move
    # by a question; hybrid must stay within one question of the best single mode.
    firsts = [(await _recall(owner, base_id, m, 1))[0] for m in ("hybrid", "vector", "keyword")]
    print("recall@1: hybrid {:.3f}, vector {:.3f}, keyword {:.3f}".format(*firsts))
    assert firsts[0] >= max(firsts[1:]) - 1 / len(QUESTIONS), firsts
    assert hybrid >= 0.9, missed
    assert hybrid >= vector and hybrid >= keyword, (hybrid, vector, keyword)
