"""The unmodified `openai` SDK against a live Atrium: completions, streams, tools, JSON mode,
embeddings, model list, and errors surfacing as the SDK's own exception types."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from collections.abc import Iterator
from typing import cast

import openai
import pytest
from openai.types.chat import (
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)

from tests.providers.fakes import FakeProvider, Reply, ToolCall
from tests.support import Account, api_key, premium, register

SCRIPTED_REPLY = "This is a scripted reply from Atrium's benchmark model, streamed word by word."


@pytest.fixture(scope="module")
def account(base_url: str) -> Account:
    return premium(register(base_url))


@pytest.fixture(scope="module")
def client(base_url: str, account: Account) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(account), max_retries=0) as c:
        yield c


@pytest.fixture(autouse=True)
def _clean_fakes(fakes: dict[str, FakeProvider]) -> None:
    for fake in fakes.values():
        fake.reset()


def test_plain_completion(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="scripted/fast", messages=[{"role": "user", "content": "Hello"}]
    )
    assert result.choices[0].message.content == SCRIPTED_REPLY
    assert result.choices[0].finish_reason == "stop"
    assert result.object == "chat.completion"
    assert result.usage is not None and result.usage.completion_tokens > 0


def test_streamed_completion_with_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="scripted/fast",
        messages=[{"role": "user", "content": "Hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == SCRIPTED_REPLY
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["stop"]


def test_stream_without_usage_option_has_no_usage_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="scripted/fast", messages=[{"role": "user", "content": "Hi"}], stream=True
        )
    )
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


def test_tool_call_round_trip(client: openai.OpenAI, fakes: dict[str, FakeProvider]) -> None:
    fake = fakes["openai"]
    fake.push(
        Reply("", tool_calls=[ToolCall("get_weather", {"city": "Paris"}, id="call_1")]),
        Reply("It is sunny in Paris."),
    )
    tools: list[ChatCompletionToolParam] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(
        model="openai/gpt-4o-mini",
        messages=messages,
        tools=tools,
        tool_choice="auto",
    )
    calls = first.choices[0].message.tool_calls or []
    call = calls[0]
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert first.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [
        cast(ChatCompletionMessageParam, first.choices[0].message.model_dump(exclude_none=True)),
        {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "clear"}'},
    ]
    second = client.chat.completions.create(
        model="openai/gpt-4o-mini",
        messages=messages,
        tools=tools,
    )
    assert second.choices[0].message.content == "It is sunny in Paris."
    sent = fake.requests[-1].body
    assert sent is not None
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][-1] == {
        "role": "tool",
        "tool_call_id": call.id,
        "content": '{"sky": "clear"}',
    }
    assert sent["tools"][0]["function"]["name"] == "get_weather"


def test_streamed_tool_call_fragments(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fakes["openai"].push(Reply("", tool_calls=[ToolCall("lookup", {"q": "atrium", "n": 3})]))
    chunks = list(
        client.chat.completions.create(
            model="openai/gpt-4o-mini",
            messages=[{"role": "user", "content": "look it up"}],
            stream=True,
            tools=[
                {
                    "type": "function",
                    "function": {"name": "lookup", "parameters": {"type": "object"}},
                }
            ],
        )
    )
    arguments = "".join(
        tc.function.arguments or ""
        for c in chunks
        if c.choices
        for tc in (c.choices[0].delta.tool_calls or [])
        if tc.function
    )
    fragments = [c for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(fragments) > 1
    assert json.loads(arguments) == {"q": "atrium", "n": 3}


def test_json_mode_is_passed_and_answered(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fakes["openai"].push(Reply('{"answer": 42}'))
    result = client.chat.completions.create(
        model="openai/gpt-4o-mini",
        messages=[{"role": "user", "content": "JSON please"}],
        response_format={"type": "json_object"},
        temperature=0.2,
        top_p=0.9,
        max_tokens=50,
        stop=["END"],
        seed=7,
        user="end-user-1",
    )
    assert json.loads(result.choices[0].message.content or "") == {"answer": 42}
    sent = fakes["openai"].requests[-1].body
    assert sent is not None
    assert sent["response_format"] == {"type": "json_object"}
    for key, value in {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 50,
        "stop": ["END"],
        "seed": 7,
        "user": "end-user-1",
    }.items():
        assert sent[key] == value


def test_alias_and_bare_model_names(client: openai.OpenAI, fakes: dict[str, FakeProvider]) -> None:
    fakes["openai"].push(Reply("via alias"), Reply("via bare name"))
    assert (
        client.chat.completions.create(model="smart", messages=[{"role": "user", "content": "x"}])
        .choices[0]
        .message.content
        == "via alias"
    )
    assert fakes["openai"].requests[-1].body["model"] == "gpt-4o"  # type: ignore[index]
    assert (
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
        .choices[0]
        .message.content
        == "via bare name"
    )


def test_embeddings_float_and_base64(client: openai.OpenAI) -> None:
    floats = client.embeddings.create(
        model="openai/text-embedding-3-small", input=["alpha", "beta"]
    )
    assert [d.index for d in floats.data] == [0, 1]
    assert len(floats.data[0].embedding) == 8
    raw = client.embeddings.with_raw_response.create(
        model="openai/text-embedding-3-small", input="alpha", encoding_format="base64"
    )
    encoded = raw.http_response.json()["data"][0]["embedding"]
    decoded = list(struct.unpack("<8f", base64.b64decode(encoded)))
    assert decoded == pytest.approx(floats.data[0].embedding, rel=1e-6)
    assert floats.usage.prompt_tokens > 0


def test_models_list_follows_plan(client: openai.OpenAI, base_url: str) -> None:
    ids = {m.id for m in client.models.list()}
    assert {
        "scripted/fast",
        "local/smollm2-135m-instruct",
        "openai/gpt-4o",
        "anthropic/claude-haiku-4-5",
        "gemini/gemini-2.5-flash",
    } <= ids
    assert not any(m.startswith("groq/") for m in ids)  # no key configured for Groq
    basic = register(base_url)
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(basic), max_retries=0) as c:
        basic_ids = {m.id for m in c.models.list()}
    assert basic_ids == {"local/smollm2-135m-instruct", "local/all-minilm-l6-v2"}


def test_errors_are_the_sdks_own_types(
    client: openai.OpenAI, base_url: str, account: Account
) -> None:
    with (
        openai.OpenAI(base_url=f"{base_url}/v1", api_key="atr_nonsense", max_retries=0) as bad,
        pytest.raises(openai.AuthenticationError) as auth_error,
    ):
        bad.chat.completions.create(
            model="scripted/fast", messages=[{"role": "user", "content": "x"}]
        )
    assert auth_error.value.body["type"] == "authentication_error"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(
            model="nope/nothing", messages=[{"role": "user", "content": "x"}]
        )
    assert missing.value.body["code"] == "model_not_found"  # type: ignore[index]
    assert missing.value.body["param"] == "model"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as invalid:
        client.chat.completions.create(
            model="scripted/fast", temperature=5, messages=[{"role": "user", "content": "x"}]
        )
    assert invalid.value.body["param"] == "temperature"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="scripted/fast", messages=[])
    basic = register(base_url)
    with (
        openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(basic), max_retries=0) as c,
        pytest.raises(openai.PermissionDeniedError),
    ):
        c.chat.completions.create(
            model="scripted/fast", messages=[{"role": "user", "content": "x"}]
        )


def test_access_token_works_as_well(base_url: str, account: Account) -> None:
    with openai.OpenAI(
        base_url=f"{base_url}/v1", api_key=account.tokens["access_token"], max_retries=0
    ) as c:
        result = c.chat.completions.create(
            model="scripted/fast", messages=[{"role": "user", "content": "x"}]
        )
    assert result.choices[0].message.content == SCRIPTED_REPLY


def test_revoked_key_stops_at_once_on_the_gateway(base_url: str, account: Account) -> None:
    created = account.api.post("/api-keys", json={"name": "short-lived"}).json()
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=created["key"], max_retries=0) as c:
        assert c.models.list().data  # authenticated (and now cached)
        assert account.api.delete(f"/api-keys/{created['id']}").status_code == 204
        with pytest.raises(openai.AuthenticationError):
            c.models.list()


def test_assistant_addressed_as_a_model(client: openai.OpenAI, account: Account) -> None:
    created = account.api.post(
        "/assistants",
        json={
            "graph_id": "agent",
            "name": "Gateway helper",
            "context": {"model": "scripted/fast", "instructions": "Be kind."},
        },
    ).json()
    model = f"assistant:{created['assistant_id']}"
    plain = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hello"}]
    )
    assert plain.choices[0].message.content == SCRIPTED_REPLY
    assert plain.model == model
    chunks = list(
        client.chat.completions.create(
            model=model,
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "hello"}],
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == SCRIPTED_REPLY
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="assistant:00000000-0000-0000-0000-000000000000",
            messages=[{"role": "user", "content": "x"}],
        )
    # the temporary threads are gone
    threads = account.api.post("/threads/search", json={"metadata": {"stateless": True}})
    assert threads.json() == []


def test_plan_requests_per_minute(base_url: str) -> None:
    basic = register(base_url)  # Basic: 60 requests per minute
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(basic), max_retries=0) as c:
        for _ in range(60):
            with pytest.raises(openai.NotFoundError):  # counted even when refused later
                c.chat.completions.create(
                    model="nope/none", messages=[{"role": "user", "content": "x"}]
                )
        with pytest.raises(openai.RateLimitError) as limited:
            c.chat.completions.create(model="local", messages=[{"role": "user", "content": "x"}])
    assert limited.value.body["code"] == "rate_limited"  # type: ignore[index]
    assert "60 requests per minute" in limited.value.body["message"]  # type: ignore[index]
    assert limited.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert int(limited.value.response.headers["retry-after"]) >= 1


async def test_concurrent_first_calls_of_a_key(base_url: str, account: Account) -> None:
    """A burst on a key that is not cached yet shares one lookup: every call is answered,
    and a wrong key fails for every caller of the burst alike."""
    good = openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key=api_key(account), max_retries=0)
    bad = openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key="atr_not_a_key", max_retries=0)
    try:
        listed = await asyncio.gather(*(good.models.list() for _ in range(40)))
        assert all("local/smollm2-135m-instruct" in {m.id for m in page.data} for page in listed)
        failed = await asyncio.gather(
            *(bad.models.list() for _ in range(40)), return_exceptions=True
        )
        assert all(isinstance(f, openai.AuthenticationError) for f in failed)
    finally:
        await good.close()
        await bad.close()
