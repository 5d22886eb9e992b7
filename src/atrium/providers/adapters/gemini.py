"""Google Gemini on the official `google-genai` SDK, translated to and from OpenAI's
chat-completions format (text, images, function calling, streaming, embeddings)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import aiohttp
import httpx
import httpx2
from google import genai
from google.genai import errors as genai_errors

from atrium.kit.netguard import guarded_transport
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

_FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
}


def _parts(content: Any) -> list[Json]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[Json] = []
    for part in content:
        if part.get("type") == "text":
            parts.append({"text": part.get("text", "")})
        elif part.get("type") == "image_url":
            image = part.get("image_url") or {}
            url = image.get("url", "") if isinstance(image, dict) else str(image)
            if url.startswith("data:"):
                header, _, data = url.partition(",")
                mime = header[5:].split(";")[0] or "image/png"
                parts.append({"inline_data": {"mime_type": mime, "data": data}})
            else:
                parts.append({"file_data": {"file_uri": url, "mime_type": "image/*"}})
    return parts


def to_gemini(call: ChatCall) -> tuple[list[Json], dict[str, Any]]:
    body = call.body
    system: list[str] = []
    contents: list[Json] = []
    names: dict[str, str] = {}  # tool_call_id -> function name (Gemini matches by name)
    for message in body.get("messages", []):
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(p["text"] for p in _parts(message.get("content")) if "text" in p)
        elif role == "user":
            contents.append({"role": "user", "parts": _parts(message.get("content"))})
        elif role == "assistant":
            parts = _parts(message.get("content"))
            for tool_call in message.get("tool_calls") or []:
                fn = tool_call.get("function", {})
                names[tool_call.get("id", "")] = fn.get("name", "")
                try:
                    args = json.loads(fn.get("arguments") or "{}")
                except json.JSONDecodeError:
                    args = {}
                parts.append({"function_call": {"name": fn.get("name"), "args": args}})
            contents.append({"role": "model", "parts": parts})
        elif role == "tool":
            raw = message.get("content")
            text = (
                raw
                if isinstance(raw, str)
                else "".join(p.get("text", "") for p in raw or [] if isinstance(p, dict))
            )
            try:
                response = json.loads(text)
                if not isinstance(response, dict):
                    response = {"result": response}
            except json.JSONDecodeError:
                response = {"result": text}
            contents.append(
                {
                    "role": "user",
                    "parts": [
                        {
                            "function_response": {
                                "name": names.get(message.get("tool_call_id", ""), "tool"),
                                "response": response,
                            }
                        }
                    ],
                }
            )

    config: dict[str, Any] = {"http_options": {"timeout": int(call.timeout * 1000)}}
    if system:
        config["system_instruction"] = "\n\n".join(system)
    for ours, theirs in (("temperature", "temperature"), ("top_p", "top_p"), ("seed", "seed")):
        if body.get(ours) is not None:
            config[theirs] = body[ours]
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens:
        config["max_output_tokens"] = max_tokens
    stop = body.get("stop")
    if stop:
        config["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    response_format = body.get("response_format") or {}
    if response_format.get("type") in ("json_object", "json_schema"):
        config["response_mime_type"] = "application/json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema:
            config["response_json_schema"] = schema
    tools = body.get("tools")
    if tools:
        config["tools"] = [
            {
                "function_declarations": [
                    {
                        "name": t["function"]["name"],
                        "description": t["function"].get("description", ""),
                        "parameters_json_schema": t["function"].get("parameters")
                        or {"type": "object", "properties": {}},
                    }
                    for t in tools
                    if t.get("type") == "function"
                ]
            }
        ]
        choice = body.get("tool_choice")
        mode = {"auto": "AUTO", "none": "NONE", "required": "ANY"}.get(
            choice if isinstance(choice, str) else ""
        )
        if isinstance(choice, dict):
            config["tool_config"] = {
                "function_calling_config": {
                    "mode": "ANY",
                    "allowed_function_names": [choice["function"]["name"]],
                }
            }
        elif mode:
            config["tool_config"] = {"function_calling_config": {"mode": mode}}
    return contents, config


def _usage(meta: Any) -> Usage:
    if meta is None:
        return Usage()
    return Usage(
        input_tokens=meta.prompt_token_count or 0,
        output_tokens=(meta.candidates_token_count or 0)
        + (getattr(meta, "thoughts_token_count", None) or 0),
    )


def _split(response: Any) -> tuple[str, list[Json], str | None]:
    text, calls, finish = "", [], None
    for candidate in (response.candidates or [])[:1]:
        if candidate.finish_reason is not None:
            reason = getattr(candidate.finish_reason, "value", str(candidate.finish_reason))
            finish = _FINISH.get(reason, "stop")
        for part in (candidate.content.parts if candidate.content else None) or []:
            if part.text and not getattr(part, "thought", False):
                text += part.text
            if part.function_call is not None:
                calls.append(
                    {
                        "id": f"call_{uuid.uuid4().hex[:24]}",
                        "type": "function",
                        "function": {
                            "name": part.function_call.name,
                            "arguments": json.dumps(part.function_call.args or {}),
                        },
                    }
                )
    return text, calls, finish


def translate_error(exc: Exception, creds: Credentials) -> UpstreamError:
    provider = "gemini"
    if isinstance(exc, genai_errors.APIError):
        response = getattr(exc, "response", None)
        return status_error(
            int(exc.code or 500),
            str(exc.message or exc.status or "error"),
            creds=creds,
            provider=provider,
            headers=getattr(response, "headers", None),
        )
    # google-genai runs its async calls on aiohttp when it is installed (it is: the openai
    # adapter uses it), else on httpx or httpx2.
    error = transport_error(
        exc,
        provider,
        timeout=(httpx.TimeoutException, httpx2.TimeoutException, TimeoutError),
        connection=(httpx.HTTPError, httpx2.HTTPError, aiohttp.ClientError),
        malformed=(ValueError, KeyError, AttributeError),
    )
    if error is not None:
        return error
    raise exc


class GeminiAdapter:
    name = "gemini"

    def __init__(self, *, default_base_url: str | None = None) -> None:
        self._default_base_url = default_base_url
        self._clients: ClientCache[genai.Client] = ClientCache(self._client)

    def _client(self, creds: Credentials) -> genai.Client:
        base_url = base_url_for(creds, self._default_base_url, self.name)
        options: dict[str, Any] = {"base_url": base_url} if base_url else {}
        if creds.guarded:
            # A tenant's base URL: connect only to the public address checked, every time.
            options["httpx_async_client"] = httpx.AsyncClient(transport=guarded_transport())
        return genai.Client(api_key=creds.api_key, http_options=cast(Any, options))

    async def complete(self, call: ChatCall, creds: Credentials) -> Json:
        contents, config = to_gemini(call)
        try:
            response = await self._clients.get(creds).aio.models.generate_content(
                model=call.model, contents=cast(Any, contents), config=cast(Any, config)
            )
            text, calls, finish = _split(response)
            usage = _usage(response.usage_metadata)
        except Exception as exc:
            raise translate_error(exc, creds) from None
        message: Json = {"role": "assistant", "content": text or None, "refusal": None}
        if calls:
            message["tool_calls"] = calls
            finish = "tool_calls"
        return completion(
            model=call.model, message=message, finish_reason=finish or "stop", usage=usage
        )

    async def stream(self, call: ChatCall, creds: Credentials) -> AsyncIterator[Json]:
        contents, config = to_gemini(call)
        id_ = completion_id()
        usage = Usage()
        finish: str | None = None
        tool_index = 0
        try:
            responses = await self._clients.get(creds).aio.models.generate_content_stream(
                model=call.model, contents=cast(Any, contents), config=cast(Any, config)
            )
            yield chunk(id_=id_, model=call.model, delta={"role": "assistant", "content": ""})
            async for response in responses:
                text, calls, reason = _split(response)
                finish = reason or finish
                if response.usage_metadata is not None:
                    usage = _usage(response.usage_metadata)
                if text:
                    yield chunk(id_=id_, model=call.model, delta={"content": text})
                for tool_call in calls:
                    yield chunk(
                        id_=id_,
                        model=call.model,
                        delta={"tool_calls": [{"index": tool_index, **tool_call}]},
                    )
                    tool_index += 1
        except Exception as exc:
            raise translate_error(exc, creds) from None
        if finish is None:
            raise UpstreamError(
                ErrorKind.connection, "The provider's stream ended early", provider=self.name
            )
        yield chunk(
            id_=id_,
            model=call.model,
            delta={},
            finish_reason="tool_calls" if tool_index else finish,
        )
        yield usage_chunk(id_=id_, model=call.model, usage=usage)

    async def embed(
        self, model: str, inputs: list[str], creds: Credentials, timeout_seconds: float
    ) -> Embeddings:
        try:
            response = await self._clients.get(creds).aio.models.embed_content(
                model=model,
                contents=cast(Any, inputs),
                config=cast(Any, {"http_options": {"timeout": int(timeout_seconds * 1000)}}),
            )
        except Exception as exc:
            raise translate_error(exc, creds) from None
        vectors = [list(e.values or []) for e in response.embeddings or []]
        tokens = sum(max(1, len(text) // 4) for text in inputs)
        return Embeddings(vectors=vectors, usage=Usage(input_tokens=tokens, estimated=True))

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aio.aclose()
