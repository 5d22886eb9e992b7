"""The embedded models end to end through the gateway: SmolLM2 on llama.cpp (a real, streamed
generation) and all-MiniLM-L6-v2 embeddings — no key, no network."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import openai
import pytest

from tests.support import api_key, register


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[openai.OpenAI]:
    account = register(base_url)  # the Basic plan allows local/* only: enough here
    with openai.OpenAI(
        base_url=f"{base_url}/v1", api_key=api_key(account), max_retries=0, timeout=120
    ) as c:
        yield c


def test_local_model_streams_a_real_answer(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="local",
            stream=True,
            max_tokens=24,
            temperature=0,
            seed=1,
            stream_options={"include_usage": True},
            messages=[
                {"role": "user", "content": "What is 2+2?"},
            ],
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.strip()) > 0
    assert "4" in text  # the 135M model does arithmetic this small (temperature 0)
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) > 3
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens > 5 and 0 < usage.completion_tokens <= 24
    assert chunks[0].model == "smollm2-135m-instruct" or chunks[0].model.startswith("local")


def test_local_model_plain_and_json_mode(client: openai.OpenAI) -> None:
    plain = client.chat.completions.create(
        model="local/smollm2-135m-instruct",
        max_tokens=16,
        temperature=0,
        messages=[{"role": "user", "content": "Say hello."}],
    )
    assert plain.choices[0].message.content
    assert plain.usage is not None and plain.usage.completion_tokens > 0
    # The schema becomes a llama.cpp grammar: the output is valid JSON of that shape.
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": 20}},
    }
    as_json = client.chat.completions.create(
        model="local",
        max_tokens=100,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
        messages=[{"role": "user", "content": "Give a JSON object with a key name."}],
    )
    parsed = json.loads(as_json.choices[0].message.content or "")
    assert set(parsed) == {"name"}
    assert isinstance(parsed["name"], str)


def test_local_embeddings(client: openai.OpenAI) -> None:
    result = client.embeddings.create(
        model="local/all-minilm-l6-v2",
        input=["The cat sits on the mat.", "A cat is sitting on a rug.", "Stock markets fell."],
    )
    vectors = [d.embedding for d in result.data]
    assert all(len(v) == 384 for v in vectors)
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-3) for v in vectors)

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2]) + 0.2
    assert result.usage.prompt_tokens > 10
