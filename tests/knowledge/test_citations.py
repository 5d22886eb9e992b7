"""An assistant on the local model with a knowledge base answers from an uploaded document,
and both the stream (a `citations` event, through the unmodified langgraph-sdk) and the
stored thread messages cite it: file, page, chunk."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph_sdk import get_client

from tests.support import api_key, premium, register

DOCUMENT = (
    b"# Festivals of Quillmere\n\n"
    b"The Zorblat lantern festival is held every year in the town of Quillmere on the ninth "
    b"of March. Its lanterns are made of folded rice paper.\n"
)
QUESTION = "When is the Zorblat lantern festival held?"


def as_input(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


async def test_the_answer_cites_the_document_in_the_stream_and_the_stored_messages(
    base_url: str,
) -> None:
    account = premium(register(base_url))
    base = account.api.post("/knowledge", json={"name": "Town guide"})
    assert base.status_code == 201, base.text
    base_id = base.json()["id"]
    r = account.api.post(
        f"/knowledge/{base_id}/files",
        files=[("files", ("quillmere.md", DOCUMENT, "text/markdown"))],
    )
    assert r.status_code == 202, r.text
    file_id = r.json()[0]["id"]
    async with asyncio.timeout(120):
        while True:
            f = account.api.get(f"/knowledge/{base_id}/files/{file_id}").json()
            if f["status"] in ("ready", "failed"):
                break
            await asyncio.sleep(0.2)
    assert f["status"] == "ready", f

    client = get_client(url=base_url, api_key=api_key(account, role="admin"))
    try:
        assistant = await client.assistants.create(
            graph_id="agent",
            name="Guide",
            context={
                "model": "local",
                "knowledge_bases": [base_id],
                "max_tokens": 40,
                "temperature": 0,  # greedy decoding: the same answer every time
            },
        )
        thread = await client.threads.create()
        citations: list[dict[str, Any]] = []
        async for part in client.runs.stream(
            thread["thread_id"],
            assistant["assistant_id"],
            input=as_input(QUESTION),
            stream_mode=["values"],
        ):
            if part.event == "citations":
                citations.extend(part.data["citations"])
        expected = {
            "file_id": file_id,
            "file_name": "quillmere.md",
            "knowledge_base_id": base_id,
            "thread_id": None,
            "page": None,
            "chunk_index": 0,
            "heading": "Festivals of Quillmere",
        }
        assert citations, "no citations event"
        assert {k: citations[0][k] for k in expected} == expected
        assert "ninth of March" in citations[0]["snippet"]

        state = await client.threads.get_state(thread["thread_id"])
        values = state["values"]
        assert isinstance(values, dict)
        answer = values["messages"][-1]
        assert answer["type"] == "ai"
        stored = answer["additional_kwargs"]["citations"]
        assert stored == citations
        # The fact is only in the document; the tiny model, given the passage, repeats it.
        assert "march" in str(answer["content"]).lower(), answer["content"]
    finally:
        await client.http.client.aclose()
