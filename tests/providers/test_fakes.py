"""The provider fakes, checked against the providers' official Python SDKs: if an SDK can
parse what a fake sends (and fails the way it fails against the real API), the fake speaks
the wire format the provider layer will meet in production."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
from anthropic.types import MessageParam
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from openai.types.chat import ChatCompletionMessageParam

from tests.providers.fakes import (
    CutStream,
    Fail,
    FakeProvider,
    Hang,
    Malformed,
    Reply,
    ToolCall,
    fake_embedding,
)

KEY = "sk-tenant-a-secret"
WEATHER = ToolCall("get_weather", {"city": "Paris", "units": "celsius", "days": [1, 2]})
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello?"}]
# The same conversation, as Anthropic's SDK types it.
CLAUDE_MESSAGES: list[MessageParam] = [{"role": "user", "content": "Hello?"}]
# What httpx (or the httpx2 fork the newer SDKs ship) says when a stream is dropped.
CUT = "incomplete chunked read"


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FakeProvider]]:
    fakes = {kind: FakeProvider(kind) for kind in ("openai", "anthropic", "gemini")}
    for fake in fakes.values():
        fake.start()
    yield fakes
    for fake in fakes.values():
        fake.stop()


def _fresh(servers: dict[str, FakeProvider], kind: str) -> FakeProvider:
    fake = servers[kind]
    fake.reset()
    return fake


@pytest.fixture
def openai_fake(servers: dict[str, FakeProvider]) -> FakeProvider:
    return _fresh(servers, "openai")


@pytest.fixture
def anthropic_fake(servers: dict[str, FakeProvider]) -> FakeProvider:
    return _fresh(servers, "anthropic")


@pytest.fixture
def gemini_fake(servers: dict[str, FakeProvider]) -> FakeProvider:
    return _fresh(servers, "gemini")


@pytest.fixture
def oai(openai_fake: FakeProvider) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key=KEY, base_url=openai_fake.base_url, max_retries=0) as client:
        yield client


@pytest.fixture
def claude(anthropic_fake: FakeProvider) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(
        api_key=KEY, base_url=anthropic_fake.base_url, max_retries=0
    ) as client:
        yield client


@pytest.fixture
def gemini(gemini_fake: FakeProvider) -> Iterator[genai.Client]:
    options = genai_types.HttpOptions(
        base_url=gemini_fake.base_url,
        retry_options=genai_types.HttpRetryOptions(attempts=1),
        timeout=10_000,
    )
    with genai.Client(api_key=KEY, http_options=options) as client:
        yield client


# --- OpenAI -----------------------------------------------------------------------------


def test_openai_reply_usage_and_key(oai: openai.OpenAI, openai_fake: FakeProvider) -> None:
    openai_fake.push(Reply("Bonjour tout le monde", input_tokens=7))
    completion = oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert completion.choices[0].message.content == "Bonjour tout le monde"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (7, 4)
    [request] = openai_fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.api_key == KEY
    assert request.body is not None and request.body["messages"] == MESSAGES


def test_openai_stream_reassembles_with_usage_only_when_asked(
    oai: openai.OpenAI, openai_fake: FakeProvider
) -> None:
    text = "one two three four five"
    openai_fake.push(Reply(text, input_tokens=4), Reply(text))
    chunks = list(
        oai.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == text and len(pieces) == 5
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    assert all(c.usage is None for c in chunks[:-1])

    plain = list(oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
    assert all(c.usage is None and c.choices for c in plain)
    assert plain[-1].choices[0].finish_reason == "stop"


def test_openai_streamed_tool_call(oai: openai.OpenAI, openai_fake: FakeProvider) -> None:
    openai_fake.push(Reply("", tool_calls=[WEATHER]))
    arguments: dict[int, str] = {}
    names: dict[int, str] = {}
    finish = None
    stream = oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    for chunk in stream:
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            if delta.function and delta.function.name:
                names[delta.index] = delta.function.name
            if delta.function and delta.function.arguments:
                arguments[delta.index] = arguments.get(delta.index, "") + delta.function.arguments
    assert names == {0: "get_weather"}
    assert json.loads(arguments[0]) == WEATHER.arguments
    assert finish == "tool_calls"


def test_openai_tool_call_reply(oai: openai.OpenAI, openai_fake: FakeProvider) -> None:
    openai_fake.push(Reply("", tool_calls=[ToolCall("lookup", {"q": "x"}, id="call_fixed")]))
    message = oai.chat.completions.create(model="gpt-4o", messages=MESSAGES).choices[0].message
    assert message.content is None
    [call] = message.tool_calls or []
    assert call.id == "call_fixed"
    assert call.type == "function" and call.function.name == "lookup"
    assert json.loads(call.function.arguments) == {"q": "x"}


def test_openai_rate_limit(oai: openai.OpenAI, openai_fake: FakeProvider) -> None:
    openai_fake.push(Fail(429, retry_after=3, message="slow down"))
    with pytest.raises(openai.RateLimitError) as caught:
        oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.code == "rate_limit_exceeded"
    assert "slow down" in caught.value.message


def test_openai_cut_and_malformed(oai: openai.OpenAI, openai_fake: FakeProvider) -> None:
    openai_fake.push(CutStream(after_chunks=2), Malformed(after_chunks=1), CutStream(), Malformed())
    stream = oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    received: list[object] = []
    # openai wraps the transport error; anthropic and google-genai let it through.
    with pytest.raises(openai.APIConnectionError):
        received.extend(stream)
    assert len(received) == 2
    stream = oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    with pytest.raises(json.JSONDecodeError):
        list(stream)
    with pytest.raises(openai.APIConnectionError):
        oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(json.JSONDecodeError):
        oai.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_openai_hang_times_out(openai_fake: FakeProvider) -> None:
    openai_fake.push(Hang(5))
    with (
        openai.OpenAI(
            api_key=KEY, base_url=openai_fake.base_url, max_retries=0, timeout=0.3
        ) as client,
        pytest.raises(openai.APITimeoutError),
    ):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_openai_missing_key(openai_fake: FakeProvider) -> None:
    response = httpx.post(
        f"{openai_fake.base_url}/chat/completions", json={"model": "m", "messages": MESSAGES}
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert openai_fake.requests[0].headers.get("authorization") is None


def test_openai_embeddings_and_models(oai: openai.OpenAI, openai_fake: FakeProvider) -> None:
    # The SDK asks for base64 unless told otherwise, and decodes it itself.
    default = oai.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta gamma"])
    assert openai_fake.requests[-1].body == {
        "model": "text-embedding-3-small",
        "input": ["alpha", "beta gamma"],
        "encoding_format": "base64",
    }
    assert [d.embedding for d in default.data] == [
        fake_embedding("alpha"),
        fake_embedding("beta gamma"),
    ]
    assert default.usage.prompt_tokens == 3
    floats = oai.embeddings.create(
        model="text-embedding-3-small", input="alpha", encoding_format="float"
    )
    assert floats.data[0].embedding == fake_embedding("alpha")
    assert len(floats.data[0].embedding) == 8
    assert "gpt-4o-mini" in [model.id for model in oai.models.list()]


# --- Anthropic --------------------------------------------------------------------------


def test_anthropic_reply_usage_and_key(
    claude: anthropic.Anthropic, anthropic_fake: FakeProvider
) -> None:
    anthropic_fake.push(Reply("Hi from Claude", input_tokens=9, output_tokens=4))
    message = claude.messages.create(
        model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES
    )
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == "Hi from Claude"  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (9, 4)
    [request] = anthropic_fake.requests
    assert request.path == "/v1/messages"
    # anthropic>=2 sends the key as a bearer token; the fake also takes x-api-key.
    assert request.api_key == KEY
    assert request.headers["anthropic-version"]


def test_anthropic_stream_text_and_tool_call(
    claude: anthropic.Anthropic, anthropic_fake: FakeProvider
) -> None:
    anthropic_fake.push(Reply("Let me check the weather", tool_calls=[WEATHER], input_tokens=20))
    with claude.messages.stream(
        model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES
    ) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == "Let me check the weather" and len(pieces) == 5
    _, tool = final.content
    assert tool.type == "tool_use" and tool.name == "get_weather"
    assert tool.input == WEATHER.arguments
    assert final.stop_reason == "tool_use"
    assert final.usage.input_tokens == 20
    assert (
        final.usage.output_tokens == Reply("Let me check the weather", [WEATHER]).completion_tokens
    )


def test_anthropic_raw_event_sequence(
    claude: anthropic.Anthropic, anthropic_fake: FakeProvider
) -> None:
    anthropic_fake.push(Reply("a b", tool_calls=[WEATHER]))
    events = list(
        claude.messages.create(
            model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES, stream=True
        )
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    partial = [
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert len(partial) > 2 and json.loads("".join(partial)) == WEATHER.arguments


def test_anthropic_rate_limit(claude: anthropic.Anthropic, anthropic_fake: FakeProvider) -> None:
    anthropic_fake.push(Fail(429, retry_after=1.5))
    with pytest.raises(anthropic.RateLimitError) as caught:
        claude.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES)
    assert caught.value.response.headers["retry-after"] == "1.5"
    assert caught.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]


def test_anthropic_cut_and_malformed(
    claude: anthropic.Anthropic, anthropic_fake: FakeProvider
) -> None:
    anthropic_fake.push(CutStream(after_chunks=4), Malformed(after_chunks=1), Fail(529))
    with (
        claude.messages.stream(
            model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES
        ) as stream,
        pytest.raises(Exception, match=CUT),
    ):
        stream.until_done()
    events = claude.messages.create(
        model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES, stream=True
    )
    with pytest.raises(json.JSONDecodeError):
        list(events)
    with pytest.raises(anthropic.OverloadedError):
        claude.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=CLAUDE_MESSAGES)


def test_anthropic_missing_key(anthropic_fake: FakeProvider) -> None:
    response = httpx.post(
        f"{anthropic_fake.base_url}/v1/messages",
        json={"model": "m", "max_tokens": 5, "messages": CLAUDE_MESSAGES},
        headers={"anthropic-version": "2023-06-01"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


# --- Gemini -----------------------------------------------------------------------------


def test_gemini_reply_usage_and_key(gemini: genai.Client, gemini_fake: FakeProvider) -> None:
    gemini_fake.push(Reply("Hello from Gemini", input_tokens=6))
    response = gemini.models.generate_content(model="gemini-2.5-flash", contents="Hello?")
    assert response.text == "Hello from Gemini"
    usage = response.usage_metadata
    assert usage is not None
    assert (usage.prompt_token_count, usage.candidates_token_count) == (6, 3)
    [request] = gemini_fake.requests
    # google-genai 1.x called v1beta; newer releases default to v1. The fake serves both.
    assert re.fullmatch(r"/v1(beta)?/models/gemini-2\.5-flash:generateContent", request.path)
    assert request.headers["x-goog-api-key"] == KEY
    assert request.api_key == KEY


def test_gemini_stream_and_function_call(gemini: genai.Client, gemini_fake: FakeProvider) -> None:
    gemini_fake.push(Reply("Checking the forecast now", tool_calls=[WEATHER]))
    chunks = list(
        gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="Weather?")
    )
    text = "".join(
        part.text
        for chunk in chunks
        for part in (chunk.candidates[0].content.parts or [])  # type: ignore[index, union-attr]
        if part.text
    )
    assert text == "Checking the forecast now" and len(chunks) == 5
    [call] = chunks[-1].function_calls or []
    assert call.name == "get_weather" and call.args == WEATHER.arguments
    assert gemini_fake.requests[-1].query == {"alt": "sse"}
    final = chunks[-1].usage_metadata
    assert (
        final is not None
        and final.candidates_token_count
        == Reply("Checking the forecast now", [WEATHER]).completion_tokens
    )


def test_gemini_rate_limit(gemini: genai.Client, gemini_fake: FakeProvider) -> None:
    gemini_fake.push(Fail(429, retry_after=2))
    with pytest.raises(genai_errors.APIError) as caught:
        gemini.models.generate_content(model="gemini-2.5-flash", contents="Hello?")
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"


def test_gemini_cut_stream(gemini: genai.Client, gemini_fake: FakeProvider) -> None:
    gemini_fake.push(CutStream(after_chunks=2))
    stream = gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="Hello?")
    received: list[object] = []
    with pytest.raises(Exception, match=CUT):
        received.extend(stream)
    assert len(received) == 2


def test_gemini_missing_key(gemini_fake: FakeProvider) -> None:
    # The real API answers a keyless call with 403 PERMISSION_DENIED, not 401.
    response = httpx.post(
        f"{gemini_fake.base_url}/v1beta/models/gemini-2.5-flash:generateContent",
        json={"contents": [{"parts": [{"text": "Hello?"}]}]},
    )
    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"
    keyed = httpx.post(
        f"{gemini_fake.base_url}/v1beta/models/gemini-2.5-flash:generateContent",
        params={"key": KEY},
        json={"contents": [{"parts": [{"text": "Hello?"}]}]},
    )
    assert keyed.status_code == 200
    assert [r.api_key for r in gemini_fake.requests] == [None, KEY]


def test_gemini_embeddings(gemini: genai.Client, gemini_fake: FakeProvider) -> None:
    # One Content per text, not bare strings: a list[str] stops matching the SDK's content
    # union once Pillow is installed and the union gains PIL images.
    contents = [genai_types.Content(parts=[genai_types.Part(text=t)]) for t in ("alpha", "beta")]
    result = gemini.models.embed_content(model="gemini-embedding-001", contents=contents)
    assert [e.values for e in result.embeddings or []] == [
        fake_embedding("alpha"),
        fake_embedding("beta"),
    ]
