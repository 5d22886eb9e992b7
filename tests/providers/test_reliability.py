"""Each adapter through the gateway against a fake speaking its provider's wire format, and
the router's behaviour under faults: Retry-After, 5xx, timeouts, cuts, malformed chunks,
fallbacks and cooldown."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import openai
import pytest
from openai.types.chat import (
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)

from tests.providers.fakes import CutStream, Fail, FakeProvider, Hang, Malformed, Reply, ToolCall
from tests.support import Account, api_key, premium, register

WEATHER_TOOL: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


@pytest.fixture(scope="module")
def account(base_url: str) -> Account:
    return premium(register(base_url))


@pytest.fixture(scope="module")
def client(base_url: str, account: Account) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key(account), max_retries=0) as c:
        yield c


@pytest.fixture(autouse=True)
def _clean(fakes: dict[str, FakeProvider]) -> None:
    for fake in fakes.values():
        fake.reset()


def ask(client: openai.OpenAI, model: str, **kwargs: object) -> openai.types.chat.ChatCompletion:
    return client.chat.completions.create(  # type: ignore[call-overload, no-any-return]
        model=model, messages=[{"role": "user", "content": "Hello there"}], **kwargs
    )


def stream_text(client: openai.OpenAI, model: str, **kwargs: object) -> str:
    chunks = client.chat.completions.create(  # type: ignore[call-overload]
        model=model, messages=[{"role": "user", "content": "Hello there"}], stream=True, **kwargs
    )
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("anthropic", "anthropic/claude-haiku-4-5"),
        ("gemini", "gemini/gemini-2.5-flash"),
    ],
)
def test_adapter_plain_and_streamed(
    client: openai.OpenAI, fakes: dict[str, FakeProvider], kind: str, model: str
) -> None:
    fake = fakes[kind]
    fake.push(Reply("Bonjour from the fake."), Reply("Streaming from the fake provider now."))
    result = ask(client, model, max_tokens=64, temperature=0.1, stop=["STOP"])
    assert result.choices[0].message.content == "Bonjour from the fake."
    assert result.usage is not None and result.usage.prompt_tokens == 12
    assert stream_text(client, model) == "Streaming from the fake provider now."
    sent = fake.requests[0]
    if kind == "anthropic":
        assert sent.body is not None
        assert sent.body["max_tokens"] == 64 and sent.body["stop_sequences"] == ["STOP"]
        assert "sk-ant-platform-canary" in (
            sent.headers.get("x-api-key") or sent.headers.get("authorization", "")
        )
    else:
        assert "gemini-2.5-flash" in sent.path


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("anthropic", "anthropic/claude-haiku-4-5"),
        ("gemini", "gemini/gemini-2.5-flash"),
    ],
)
def test_adapter_tool_calls_both_ways(
    client: openai.OpenAI, fakes: dict[str, FakeProvider], kind: str, model: str
) -> None:
    fake = fakes[kind]
    fake.push(
        Reply("", tool_calls=[ToolCall("get_weather", {"city": "Oslo"}, id="toolu_1")]),
        Reply("", tool_calls=[ToolCall("get_weather", {"city": "Rome"}, id="toolu_2")]),
        Reply("Sunny."),
    )
    first = ask(client, model, tools=WEATHER_TOOL)
    assert first.choices[0].finish_reason == "tool_calls"
    calls = first.choices[0].message.tool_calls or []
    call = calls[0]
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert json.loads(call.function.arguments) == {"city": "Oslo"}
    # streamed: argument fragments reassemble
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "and Rome?"}],
            stream=True,
            tools=WEATHER_TOOL,
        )
    )
    arguments = "".join(
        tc.function.arguments or ""
        for c in chunks
        if c.choices
        for tc in c.choices[0].delta.tool_calls or []
        if tc.function
    )
    assert json.loads(arguments) == {"city": "Rome"}
    # the tool result goes back translated
    follow = client.chat.completions.create(
        model=model,
        tools=WEATHER_TOOL,
        messages=[
            {"role": "user", "content": "Weather in Oslo?"},
            cast(
                ChatCompletionMessageParam, first.choices[0].message.model_dump(exclude_none=True)
            ),
            {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "clear"}'},
        ],
    )
    assert follow.choices[0].message.content == "Sunny."
    body = fake.requests[-1].body
    assert body is not None
    dumped = json.dumps(body)
    if kind == "anthropic":
        assert body["messages"][-1]["content"][0]["type"] == "tool_result"
        assert body["messages"][-1]["content"][0]["tool_use_id"] == call.id
        assert body["tools"][0]["input_schema"]["properties"]["city"]["type"] == "string"
    else:
        assert "function_response" in dumped or "functionResponse" in dumped
        assert "Oslo" in dumped


def test_429_with_retry_after_is_honoured(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fake = fakes["openai"]
    fake.push(Fail(429, retry_after=1), Reply("after waiting"))
    started = time.monotonic()
    result = ask(client, "openai/gpt-4o-mini")
    assert result.choices[0].message.content == "after waiting"
    assert time.monotonic() - started >= 1.0
    assert len(fake.requests) == 2


def test_500_is_retried(client: openai.OpenAI, fakes: dict[str, FakeProvider]) -> None:
    fakes["anthropic"].push(Fail(500), Fail(529), Reply("third time lucky"))
    result = ask(client, "anthropic/claude-haiku-4-5")
    assert result.choices[0].message.content == "third time lucky"
    assert len(fakes["anthropic"].requests) == 3


def test_persistent_429_surfaces_as_rate_limit(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fakes["gemini"].push(Fail(429, retry_after=30))  # longer than the router will wait
    with pytest.raises(openai.RateLimitError) as caught:
        ask(client, "gemini/gemini-2.5-flash")
    assert caught.value.body["code"] == "upstream_rate_limited"  # type: ignore[index]
    assert caught.value.response.headers["retry-after"] == "30"
    assert len(fakes["gemini"].requests) == 1


def test_timeout_is_retried_then_reported(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fake = fakes["openai"]
    fake.push(Hang(5), Reply("quick answer"))
    assert ask(client, "openai/gpt-4o-mini").choices[0].message.content == "quick answer"
    fake.reset()
    fake.push(Hang(5), Hang(5), Hang(5))
    with pytest.raises(openai.APIStatusError) as caught:
        ask(client, "openai/gpt-4o-mini")
    assert caught.value.status_code == 504
    assert caught.value.body["code"] == "upstream_timeout"  # type: ignore[index]


def test_cut_before_first_chunk_is_retried(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fakes["anthropic"].push(CutStream(after_chunks=0), Reply("clean second attempt"))
    assert stream_text(client, "anthropic/claude-haiku-4-5") == "clean second attempt"


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
def test_cut_mid_stream_ends_with_an_error_event(
    client: openai.OpenAI, fakes: dict[str, FakeProvider], kind: str
) -> None:
    model = {
        "openai": "openai/gpt-4o-mini",
        "anthropic": "anthropic/claude-haiku-4-5",
        "gemini": "gemini/gemini-2.5-flash",
    }[kind]
    fakes[kind].push(CutStream(after_chunks=3))
    received: list[Any] = []

    def consume() -> None:
        for c in client.chat.completions.create(
            model=model, stream=True, messages=[{"role": "user", "content": "x"}]
        ):
            received.append(c)

    with pytest.raises(openai.APIError) as caught:
        consume()
    assert received, "chunks before the cut reach the client"
    assert "provider" in str(caught.value.message).lower()
    assert len(fakes[kind].requests) == 1  # no retry once content was delivered


def test_malformed_chunk_ends_with_an_error_event(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fakes["openai"].push(Malformed(after_chunks=2))
    with pytest.raises(openai.APIError) as caught:
        stream_text(client, "openai/gpt-4o-mini")
    assert (
        "malformed" in str(caught.value.message).lower()
        or "provider" in str(caught.value.message).lower()
    )


def test_malformed_body_is_a_clean_502(
    client: openai.OpenAI, fakes: dict[str, FakeProvider]
) -> None:
    fakes["openai"].push(Malformed(), Malformed(), Malformed())
    with pytest.raises(openai.APIStatusError) as caught:
        ask(client, "openai/gpt-4o-mini")
    assert caught.value.status_code == 502


def test_fallback_then_cooldown(
    client: openai.OpenAI, fakes: dict[str, FakeProvider], base_url: str
) -> None:
    openai_fake, anthropic_fake = fakes["openai"], fakes["anthropic"]
    openai_fake.push(Fail(500), Fail(500), Fail(500))
    anthropic_fake.push(Reply("answered by the fallback"))
    result = ask(client, "openai/gpt-4o")
    assert result.choices[0].message.content == "answered by the fallback"
    assert len(openai_fake.requests) == 3  # first try + 2 retries
    # three failures put openai/gpt-4o in cooldown: the next call goes straight to the fallback
    anthropic_fake.push(Reply("cooldown skips the primary"))
    assert ask(client, "openai/gpt-4o").choices[0].message.content == "cooldown skips the primary"
    assert len(openai_fake.requests) == 3
    metrics = httpx.get(f"{base_url}/metrics").text
    assert (
        'atrium_llm_fallbacks_total{from_model="openai/gpt-4o",to_model="anthropic/claude-haiku-4-5"}'
        in metrics
    )
    time.sleep(3.2)  # cooldown over: the primary is tried again
    openai_fake.push(Reply("primary is back"))
    assert ask(client, "openai/gpt-4o").choices[0].message.content == "primary is back"


def test_bad_request_is_not_retried(client: openai.OpenAI, fakes: dict[str, FakeProvider]) -> None:
    fakes["openai"].push(Fail(400, message="Invalid 'messages'"))
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, "openai/gpt-4o")
    assert caught.value.body["code"] == "upstream_invalid_request"  # type: ignore[index]
    assert len(fakes["openai"].requests) == 1
    assert len(fakes["anthropic"].requests) == 0
