"""Anthropic's Messages API on the official `anthropic` SDK, translated to and from OpenAI's
chat-completions format (text, images, tools and tool results, streaming)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

from atrium.kit.netguard import guarded_transport2
from atrium.providers.adapters.base import (
    ClientCache,
    base_url_for,
    status_error,
    transport_error,
)
from atrium.providers.types import (
    ChatCall,
    Credentials,
    Embeddings,
    ErrorKind,
    Json,
    UpstreamError,
    Usage,
    chunk,
    completion,
    completion_id,
    usage_chunk,
)

DEFAULT_MAX_TOKENS = 1024
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
    "refusal": "content_filter",
}


def _image_block(url: str) -> Json:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header[5:].split(";")[0] or "image/png"
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content_blocks(content: Any) -> list[Json]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[Json] = []
    for part in content:
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            image = part.get("image_url") or {}
            blocks.append(_image_block(image.get("url", "") if isinstance(image, dict) else image))
    return blocks


def _text(content: Any) -> str:
    return "".join(b["text"] for b in _content_blocks(content) if b["type"] == "text")


def to_anthropic(call: ChatCall) -> dict[str, Any]:
    body = call.body
    system: list[str] = []
    messages: list[Json] = []

    def append(role: str, blocks: list[Json]) -> None:
        # Anthropic wants alternating roles; merge consecutive same-role turns.
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})

    for message in body.get("messages", []):
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(_text(message.get("content")))
        elif role == "user":
            append("user", _content_blocks(message.get("content")))
        elif role == "assistant":
            blocks = _content_blocks(message.get("content"))
            for tool_call in message.get("tool_calls") or []:
                fn = tool_call.get("function", {})
                try:
                    arguments = json.loads(fn.get("arguments") or "{}")
                except json.JSONDecodeError:
                    arguments = {"_raw": fn.get("arguments")}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": tool_call.get("id"),
                        "name": fn.get("name"),
                        "input": arguments,
                    }
                )
            append("assistant", blocks)
        elif role == "tool":
            append(
                "user",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": message.get("tool_call_id"),
                        "content": _text(message.get("content")),
                    }
                ],
            )

    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_object":
        system.append("Answer with a single JSON object and nothing else.")
    elif response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema", {})
        system.append(
            "Answer with a single JSON object, and nothing else, that matches this "
            f"JSON schema: {json.dumps(schema)}"
        )

    request: dict[str, Any] = {
        "model": call.model,
        "messages": messages,
        "max_tokens": body.get("max_completion_tokens")
        or body.get("max_tokens")
        or DEFAULT_MAX_TOKENS,
        "timeout": call.timeout,
    }
    if system:
        request["system"] = "\n\n".join(s for s in system if s)
    # Sampling settings are not parameters of the current SDK's create(); they still travel
    # in the request body for models that accept them.
    sampling = {k: body[k] for k in ("temperature", "top_p") if body.get(k) is not None}
    if sampling:
        request["extra_body"] = sampling
    stop = body.get("stop")
    if stop:
        request["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if body.get("user"):
        request["metadata"] = {"user_id": str(body["user"])[:256]}
    tools = body.get("tools")
    if tools:
        request["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters")
                or {"type": "object", "properties": {}},
            }
            for t in tools
            if t.get("type") == "function"
        ]
        choice = body.get("tool_choice")
        if choice == "required":
            request["tool_choice"] = {"type": "any"}
        elif choice == "none":
            request["tool_choice"] = {"type": "none"}
        elif isinstance(choice, dict):
            request["tool_choice"] = {"type": "tool", "name": choice["function"]["name"]}
        elif choice == "auto":
            request["tool_choice"] = {"type": "auto"}
    return request


def from_anthropic(message: Any, model: str) -> Json:
    text = "".join(b.text for b in message.content if b.type == "text")
    tool_calls = [
        {
            "id": b.id,
            "type": "function",
            "function": {"name": b.name, "arguments": json.dumps(b.input)},
        }
        for b in message.content
        if b.type == "tool_use"
    ]
    out: Json = {"role": "assistant", "content": text or None, "refusal": None}
    if tool_calls:
        out["tool_calls"] = tool_calls
    usage = Usage(message.usage.input_tokens, message.usage.output_tokens)
    return completion(
        model=model,
        message=out,
        finish_reason=_FINISH.get(message.stop_reason or "", "stop"),
        usage=usage,
        id_=f"chatcmpl-{message.id}",
    )


def translate_error(exc: Exception, creds: Credentials) -> UpstreamError:
    provider = "anthropic"
    if isinstance(exc, anthropic.APIStatusError):
        return status_error(
            exc.status_code,
            exc.message,
            creds=creds,
            provider=provider,
            headers=exc.response.headers if exc.response is not None else None,
        )
    error = transport_error(
        exc,
        provider,
        timeout=(anthropic.APITimeoutError, httpx2.TimeoutException),
        connection=(anthropic.APIConnectionError, httpx2.HTTPError, anthropic.APIError),
        malformed=(ValueError, KeyError, AttributeError),
    )
    if error is not None:
        return error
    raise exc


class AnthropicAdapter:
    name = "anthropic"

    def __init__(self, *, default_base_url: str | None = None) -> None:
        self._default_base_url = default_base_url
        self._clients: ClientCache[anthropic.AsyncAnthropic] = ClientCache(self._client)

    def _client(self, creds: Credentials) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            api_key=creds.api_key,
            base_url=base_url_for(creds, self._default_base_url, self.name),
            max_retries=0,
            # A tenant's base URL: connect only to the public address checked, every time.
            http_client=(
                anthropic.DefaultAsyncHttpxClient(transport=guarded_transport2())
                if creds.guarded
                else None
            ),
        )

    async def complete(self, call: ChatCall, creds: Credentials) -> Json:
        try:
            message = await self._clients.get(creds).messages.create(**to_anthropic(call))
            return from_anthropic(message, call.model)
        except Exception as exc:
            raise translate_error(exc, creds) from None

    async def stream(self, call: ChatCall, creds: Credentials) -> AsyncIterator[Json]:
        id_ = completion_id()
        model = call.model
        usage = Usage()
        tool_index: dict[int, int] = {}  # Anthropic block index -> OpenAI tool_calls index
        finish = "stop"
        try:
            events = await self._clients.get(creds).messages.create(
                **to_anthropic(call), stream=True
            )
            async with events:
                async for event in events:
                    kind = event.type
                    if kind == "message_start":
                        usage.input_tokens = event.message.usage.input_tokens
                        usage.output_tokens = event.message.usage.output_tokens or 0
                        yield chunk(
                            id_=id_, model=model, delta={"role": "assistant", "content": ""}
                        )
                    elif kind == "content_block_start" and event.content_block.type == "tool_use":
                        index = tool_index[event.index] = len(tool_index)
                        yield chunk(
                            id_=id_,
                            model=model,
                            delta={
                                "tool_calls": [
                                    {
                                        "index": index,
                                        "id": event.content_block.id,
                                        "type": "function",
                                        "function": {
                                            "name": event.content_block.name,
                                            "arguments": "",
                                        },
                                    }
                                ]
                            },
                        )
                    elif kind == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta":
                            yield chunk(id_=id_, model=model, delta={"content": delta.text})
                        elif delta.type == "input_json_delta":
                            yield chunk(
                                id_=id_,
                                model=model,
                                delta={
                                    "tool_calls": [
                                        {
                                            "index": tool_index[event.index],
                                            "function": {"arguments": delta.partial_json},
                                        }
                                    ]
                                },
                            )
                    elif kind == "message_delta":
                        finish = _FINISH.get(event.delta.stop_reason or "", "stop")
                        usage.output_tokens = event.usage.output_tokens
                    elif kind == "message_stop":
                        yield chunk(id_=id_, model=model, delta={}, finish_reason=finish)
                        yield usage_chunk(id_=id_, model=model, usage=usage)
                        return
        except Exception as exc:
            raise translate_error(exc, creds) from None
        raise UpstreamError(
            ErrorKind.connection, "The provider's stream ended early", provider=self.name
        )

    async def embed(
        self, model: str, inputs: list[str], creds: Credentials, timeout_seconds: float
    ) -> Embeddings:
        raise UpstreamError(
            ErrorKind.bad_request, "Anthropic offers no embeddings", status=400, provider=self.name
        )

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
