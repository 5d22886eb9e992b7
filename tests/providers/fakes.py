"""Local HTTP servers that stand in for the paid LLM providers (OpenAI, Anthropic, Google
Gemini) on loopback, speaking each provider's documented wire format so the provider layer
can be tested through the official SDKs.

    fake = FakeProvider("anthropic")
    fake.start()
    fake.push(Fail(429, retry_after=1), Reply("Hi there"))
    ...  # point the SDK at fake.base_url
    assert fake.requests[-1].headers["x-api-key"] == tenant_key
    fake.stop()

Every request is recorded. Each model request (chat completion, message, generateContent)
takes the next queued behaviour; an empty queue answers with a default Reply().
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import re
import secrets
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

ProviderKind = Literal["openai", "anthropic", "gemini"]
EMBEDDING_DIMENSIONS = 8


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    id: str | None = None


@dataclass
class Reply:
    text: str = "Hello from the fake provider."
    tool_calls: list[ToolCall] | None = None
    input_tokens: int = 12
    output_tokens: int | None = None
    chunk_delay: float = 0.0

    @property
    def calls(self) -> list[ToolCall]:
        return self.tool_calls or []

    @property
    def completion_tokens(self) -> int:
        if self.output_tokens is not None:
            return self.output_tokens
        words = len(self.text.split())
        return words + sum(3 + len(json.dumps(call.arguments).split()) for call in self.calls)


@dataclass
class Fail:
    status: int
    retry_after: float | None = None
    message: str = "The fake provider was told to fail this request."


@dataclass
class Hang:
    seconds: float
    reply: Reply = field(default_factory=Reply)


@dataclass
class CutStream:
    after_chunks: int = 2
    reply: Reply = field(default_factory=Reply)


@dataclass
class Malformed:
    after_chunks: int = 1
    reply: Reply = field(default_factory=Reply)


Behaviour = Reply | Fail | Hang | CutStream | Malformed


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any] | None
    query: dict[str, str] = field(default_factory=dict)

    @property
    def api_key(self) -> str | None:
        """The credential sent, wherever this provider's SDK puts it."""
        return (
            _bearer(self.headers)
            or self.headers.get("x-api-key")
            or self.headers.get("x-goog-api-key")
            or self.query.get("key")
        )


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def fake_embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """The unit vector every fake returns for `text`, rounded to float32 like the real APIs."""
    raw: list[float] = []
    counter = 0
    while len(raw) < dimensions:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        raw.extend(b / 127.5 - 1.0 for b in digest)
        counter += 1
    raw = raw[:dimensions]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(x / norm for x in raw))
    return list(struct.unpack(f"<{dimensions}f", packed))


class FakeProvider:
    """One provider's API on 127.0.0.1, served by uvicorn in a daemon thread."""

    def __init__(self, kind: ProviderKind) -> None:
        self.kind = kind
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._wire = _WIRES[kind](self)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            Starlette(routes=self._wire.routes()),
            http=_TransportExposingProtocol,
            loop="asyncio",
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        root = f"http://127.0.0.1:{self.port}"
        return f"{root}/v1" if self.kind == "openai" else root

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"fake {self.kind} provider did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(10)
        self._socket.close()

    def __enter__(self) -> FakeProvider:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def push(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else Reply()

    async def _record(self, request: Request) -> dict[str, Any] | None:
        raw = await request.body()
        body: dict[str, Any] | None = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        recorded = RecordedRequest(
            path=request.url.path,
            headers=dict(request.headers),
            body=body,
            query=dict(request.query_params),
        )
        with self._lock:
            self.requests.append(recorded)
        return body


# --- transport-level behaviours ---------------------------------------------------------

_TRANSPORT = "atrium.fake.transport"


class _TransportExposingProtocol(H11Protocol):
    """uvicorn's h11 protocol, handing each request's transport to the app: ASGI has no way
    to drop a connection mid-response, and a dropped stream is what CutStream must produce."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.app

        async def with_transport(scope: Scope, receive: Receive, send: Send) -> None:
            scope[_TRANSPORT] = self.transport
            await app(scope, receive, send)

        self.app = with_transport


async def _drop_connection(scope: Scope, receive: Receive) -> None:
    # close() flushes what was already written, then FINs: the client gets the chunks sent so
    # far and no terminating chunk. Waiting for the disconnect keeps uvicorn from completing
    # the response (or logging) after we return.
    scope[_TRANSPORT].close()
    while (await receive())["type"] != "http.disconnect":
        pass


async def _sleep_unless_disconnected(receive: Receive, seconds: float) -> None:
    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), seconds)


class _DropConnection(Response):
    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _drop_connection(scope, receive)


class _EventStream(Response):
    """Server-sent events written frame by frame; with cut=True the connection is dropped
    after the frames instead of ending the body."""

    def __init__(
        self,
        frames: list[bytes],
        *,
        media_type: str,
        headers: Mapping[str, str],
        delay: float = 0.0,
        cut: bool = False,
    ) -> None:
        super().__init__(headers={"cache-control": "no-cache", **headers}, media_type=media_type)
        # Streamed bodies are chunked; drop the content-length the base class computed.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.frames = frames
        self.delay = delay
        self.cut = cut

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        for number, frame in enumerate(self.frames):
            if number and self.delay:
                await asyncio.sleep(self.delay)
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        if self.cut:
            await _drop_connection(scope, receive)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


# --- shared wire plumbing ---------------------------------------------------------------


def _text_pieces(text: str) -> list[str]:
    """Word-sized pieces that concatenate back to `text` (leading space on each word)."""
    pieces = re.findall(r"\s*\S+\s*$|\s*\S+", text)
    return pieces or ([text] if text else [])


def _json_fragments(value: dict[str, Any], parts: int = 3) -> list[str]:
    encoded = json.dumps(value)
    size = max(1, -(-len(encoded) // parts))
    return [encoded[i : i + size] for i in range(0, len(encoded), size)]


def _random_id(prefix: str, length: int = 24) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def _retry_headers(retry_after: float | None) -> dict[str, str]:
    return {} if retry_after is None else {"retry-after": f"{retry_after:g}"}


class _Wire:
    """One provider's routes and payload shapes; model requests share _answer()."""

    sse_media_type = "text/event-stream; charset=utf-8"

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def response_headers(self) -> dict[str, str]:
        return {}

    def error(self, status: int, message: str, retry_after: float | None = None) -> Response:
        raise NotImplementedError

    def completion(self, body: dict[str, Any], reply: Reply, model: str) -> dict[str, Any]:
        raise NotImplementedError

    def stream_frames(self, body: dict[str, Any], reply: Reply, model: str) -> list[bytes]:
        """All frames of a streamed reply; the last one is the provider's terminator."""
        raise NotImplementedError

    def malformed_frame(self) -> bytes:
        raise NotImplementedError

    async def _answer(
        self, request: Request, body: dict[str, Any], model: str, *, streamed: bool
    ) -> Response:
        behaviour = self.fake._next_behaviour()
        if isinstance(behaviour, Hang):
            await _sleep_unless_disconnected(request.receive, behaviour.seconds)
            behaviour = behaviour.reply
        if isinstance(behaviour, Fail):
            return self.error(behaviour.status, behaviour.message, behaviour.retry_after)
        if not streamed:
            if isinstance(behaviour, CutStream):
                return _DropConnection()
            if isinstance(behaviour, Malformed):
                return Response(
                    b'{"id": "truncated-by-the-fake", "conte',
                    media_type="application/json",
                    headers=self.response_headers(),
                )
            return JSONResponse(
                self.completion(body, behaviour, model), headers=self.response_headers()
            )
        reply = behaviour if isinstance(behaviour, Reply) else behaviour.reply
        frames = self.stream_frames(body, reply, model)
        if isinstance(behaviour, CutStream | Malformed):
            # Never reach the provider's terminator (the last frame).
            frames = frames[: min(behaviour.after_chunks, len(frames) - 1)]
        if isinstance(behaviour, Malformed):
            frames.append(self.malformed_frame())
        return _EventStream(
            frames,
            media_type=self.sse_media_type,
            headers=self.response_headers(),
            delay=reply.chunk_delay,
            cut=isinstance(behaviour, CutStream),
        )


def _route(path: str, endpoint: Callable[[Request], Any], method: str = "POST") -> Route:
    return Route(path, endpoint, methods=[method])


# --- OpenAI -----------------------------------------------------------------------------

_OPENAI_ERRORS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}
_OPENAI_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "text-embedding-3-small"]


class _OpenAIWire(_Wire):
    def routes(self) -> list[Route]:
        return [
            _route("/v1/chat/completions", self.chat_completions),
            _route("/v1/embeddings", self.embeddings),
            _route("/v1/models", self.models, "GET"),
            _route("/v1/models/{model}", self.model, "GET"),
        ]

    def response_headers(self) -> dict[str, str]:
        return {"x-request-id": _random_id("req_", 32), "openai-processing-ms": "7"}

    def error(self, status: int, message: str, retry_after: float | None = None) -> Response:
        kind, code = _OPENAI_ERRORS.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        payload = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        headers = {**self.response_headers(), **_retry_headers(retry_after)}
        return JSONResponse(payload, status_code=status, headers=headers)

    async def _authorised(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        body = await self.fake._record(request)
        if not _bearer(request.headers):
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
            error = JSONResponse(
                {
                    "error": {
                        "message": message,
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
                status_code=401,
                headers=self.response_headers(),
            )
            return body, error
        return body, None

    async def chat_completions(self, request: Request) -> Response:
        body, denied = await self._authorised(request)
        if denied:
            return denied
        if body is None or not body.get("model") or not body.get("messages"):
            return self.error(400, "'model' and 'messages' are required properties.")
        return await self._answer(request, body, body["model"], streamed=bool(body.get("stream")))

    def _message(self, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text or None,
            "refusal": None,
            "annotations": [],
        }
        if reply.calls:
            message["tool_calls"] = [
                {
                    "id": call.id or _random_id("call_"),
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in reply.calls
            ]
        return message

    def _usage(self, reply: Reply) -> dict[str, Any]:
        out = reply.completion_tokens
        return {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": out,
            "total_tokens": reply.input_tokens + out,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def completion(self, body: dict[str, Any], reply: Reply, model: str) -> dict[str, Any]:
        return {
            "id": _random_id("chatcmpl-", 29),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": self._message(reply),
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.calls else "stop",
                }
            ],
            "usage": self._usage(reply),
            "service_tier": "default",
            "system_fingerprint": "fp_fake00001",
        }

    def stream_frames(self, body: dict[str, Any], reply: Reply, model: str) -> list[bytes]:
        options = body.get("stream_options") or {}
        include_usage = bool(options.get("include_usage"))
        obfuscate = options.get("include_obfuscation", True)
        base = {
            "id": _random_id("chatcmpl-", 29),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "service_tier": "default",
            "system_fingerprint": "fp_fake00001",
        }

        def chunk(choices: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> bytes:
            payload: dict[str, Any] = {**base, "choices": choices}
            if include_usage:
                payload["usage"] = usage
            if obfuscate:
                # Real chunks carry random padding against length side channels.
                payload["obfuscation"] = _random_id("", secrets.randbelow(8) + 2)
            return b"data: " + json.dumps(payload).encode() + b"\n\n"

        def delta(content: dict[str, Any], finish: str | None = None) -> bytes:
            return chunk(
                [{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish}]
            )

        frames = [
            delta({"role": "assistant", "content": "" if reply.text else None, "refusal": None})
        ]
        frames += [delta({"content": piece}) for piece in _text_pieces(reply.text)]
        for index, call in enumerate(reply.calls):
            opening = {
                "index": index,
                "id": call.id or _random_id("call_"),
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            frames.append(delta({"tool_calls": [opening]}))
            frames += [
                delta({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                for piece in _json_fragments(call.arguments)
            ]
        frames.append(delta({}, "tool_calls" if reply.calls else "stop"))
        if include_usage:
            frames.append(chunk([], self._usage(reply)))
        frames.append(b"data: [DONE]\n\n")
        return frames

    def malformed_frame(self) -> bytes:
        return b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "oops\n\n'

    async def embeddings(self, request: Request) -> Response:
        body, denied = await self._authorised(request)
        if denied:
            return denied
        if body is None or "input" not in body or not body.get("model"):
            return self.error(400, "'model' and 'input' are required properties.")
        inputs = body["input"]
        if isinstance(inputs, str) or (inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        dimensions = int(body.get("dimensions") or EMBEDDING_DIMENSIONS)
        data = []
        tokens = 0
        for index, item in enumerate(inputs):
            text = item if isinstance(item, str) else json.dumps(item)
            tokens += len(item.split()) if isinstance(item, str) else len(item)
            vector = fake_embedding(text, dimensions)
            embedding: list[float] | str = vector
            if body.get("encoding_format") == "base64":
                packed = struct.pack(f"<{dimensions}f", *vector)
                embedding = base64.b64encode(packed).decode()
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        payload = {
            "object": "list",
            "data": data,
            "model": body["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return JSONResponse(payload, headers=self.response_headers())

    def _model_entry(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1715367049, "owned_by": "system"}

    async def models(self, request: Request) -> Response:
        _, denied = await self._authorised(request)
        if denied:
            return denied
        data = [self._model_entry(model) for model in _OPENAI_MODELS]
        return JSONResponse({"object": "list", "data": data}, headers=self.response_headers())

    async def model(self, request: Request) -> Response:
        _, denied = await self._authorised(request)
        if denied:
            return denied
        model = request.path_params["model"]
        if model not in _OPENAI_MODELS:
            return self.error(404, f"The model '{model}' does not exist")
        return JSONResponse(self._model_entry(model), headers=self.response_headers())


# --- Anthropic --------------------------------------------------------------------------

_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_ANTHROPIC_MODELS = ["claude-sonnet-4-6", "claude-haiku-4-5"]


def _sse(event: str, payload: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload)}\n\n".encode()


class _AnthropicWire(_Wire):
    def routes(self) -> list[Route]:
        return [
            _route("/v1/messages", self.messages),
            _route("/v1/models", self.models, "GET"),
        ]

    def response_headers(self) -> dict[str, str]:
        return {"request-id": _random_id("req_", 24)}

    def error(self, status: int, message: str, retry_after: float | None = None) -> Response:
        kind = _ANTHROPIC_ERRORS.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        headers = {**self.response_headers(), **_retry_headers(retry_after)}
        payload = {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": headers["request-id"],
        }
        return JSONResponse(payload, status_code=status, headers=headers)

    async def _authorised(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        body = await self.fake._record(request)
        # Older SDKs send x-api-key; anthropic>=2 sends the same key as a bearer token.
        if not _bearer(request.headers) and not request.headers.get("x-api-key", "").strip():
            return body, self.error(401, "x-api-key header is required")
        if not request.headers.get("anthropic-version"):
            return body, self.error(400, "anthropic-version: header is required")
        return body, None

    async def messages(self, request: Request) -> Response:
        body, denied = await self._authorised(request)
        if denied:
            return denied
        if body is None or not body.get("model") or not body.get("messages"):
            return self.error(400, "model: Field required")
        if "max_tokens" not in body:
            return self.error(400, "max_tokens: Field required")
        return await self._answer(request, body, body["model"], streamed=bool(body.get("stream")))

    def _usage(self, reply: Reply, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": reply.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }

    def _envelope(self, model: str) -> dict[str, Any]:
        return {"id": _random_id("msg_01"), "type": "message", "role": "assistant", "model": model}

    def completion(self, body: dict[str, Any], reply: Reply, model: str) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        content += [
            {
                "type": "tool_use",
                "id": call.id or _random_id("toolu_01"),
                "name": call.name,
                "input": call.arguments,
            }
            for call in reply.calls
        ]
        return {
            **self._envelope(model),
            "content": content,
            "stop_reason": "tool_use" if reply.calls else "end_turn",
            "stop_sequence": None,
            "usage": self._usage(reply, reply.completion_tokens),
        }

    def stream_frames(self, body: dict[str, Any], reply: Reply, model: str) -> list[bytes]:
        start = {
            **self._envelope(model),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": self._usage(reply, 1),
        }
        frames = [_sse("message_start", {"type": "message_start", "message": start})]
        blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        if reply.text:
            deltas = [{"type": "text_delta", "text": piece} for piece in _text_pieces(reply.text)]
            blocks.append(({"type": "text", "text": ""}, deltas))
        for call in reply.calls:
            opening = {
                "type": "tool_use",
                "id": call.id or _random_id("toolu_01"),
                "name": call.name,
                "input": {},
            }
            pieces = ["", *_json_fragments(call.arguments)]
            deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in pieces]
            blocks.append((opening, deltas))
        for index, (opening, deltas) in enumerate(blocks):
            frames.append(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": opening},
                )
            )
            if index == 0:
                frames.append(_sse("ping", {"type": "ping"}))
            frames += [
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": d},
                )
                for d in deltas
            ]
            frames.append(
                _sse("content_block_stop", {"type": "content_block_stop", "index": index})
            )
        if not blocks:
            frames.append(_sse("ping", {"type": "ping"}))
        stop = {"stop_reason": "tool_use" if reply.calls else "end_turn", "stop_sequence": None}
        frames.append(
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": stop,
                    "usage": {"output_tokens": reply.completion_tokens},
                },
            )
        )
        frames.append(_sse("message_stop", {"type": "message_stop"}))
        return frames

    def malformed_frame(self) -> bytes:
        return (
            b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "de\n\n'
        )

    async def models(self, request: Request) -> Response:
        _, denied = await self._authorised(request)
        if denied:
            return denied
        data = [
            {
                "type": "model",
                "id": model,
                "display_name": model.replace("-", " ").title(),
                "created_at": "2025-10-01T00:00:00Z",
            }
            for model in _ANTHROPIC_MODELS
        ]
        payload = {
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"],
            "last_id": data[-1]["id"],
        }
        return JSONResponse(payload, headers=self.response_headers())


# --- Google Gemini ----------------------------------------------------------------------

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class _GeminiWire(_Wire):
    # Gemini frames its SSE events with CRLF.
    sse_media_type = "text/event-stream"

    def routes(self) -> list[Route]:
        return [_route("/{version}/models/{call:path}", self.models_call)]

    def error(self, status: int, message: str, retry_after: float | None = None) -> Response:
        error: dict[str, Any] = {
            "code": status,
            "message": message,
            "status": _GOOGLE_STATUS.get(status, "INTERNAL" if status >= 500 else "UNKNOWN"),
        }
        if retry_after is not None:
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{retry_after:g}s",
                }
            ]
        return JSONResponse(
            {"error": error}, status_code=status, headers=_retry_headers(retry_after)
        )

    async def models_call(self, request: Request) -> Response:
        body = await self.fake._record(request)
        if not (request.headers.get("x-goog-api-key") or request.query_params.get("key")):
            # What generativelanguage.googleapis.com answers when no key is sent at all.
            return self.error(
                403,
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        model, _, method = request.path_params["call"].partition(":")
        if body is None:
            return self.error(400, "Invalid JSON payload received.")
        if method == "generateContent":
            return await self._answer(request, body, model, streamed=False)
        if method == "streamGenerateContent":
            if request.query_params.get("alt") != "sse":
                # Without alt=sse the real API streams a JSON array; the SDKs never ask for it.
                return self.error(400, "This fake streams only with alt=sse.")
            return await self._answer(request, body, model, streamed=True)
        if method == "embedContent":
            return JSONResponse({"embedding": self._embedding(body)})
        if method == "batchEmbedContents":
            requests = body.get("requests") or []
            return JSONResponse({"embeddings": [self._embedding(r) for r in requests]})
        return self.error(404, f"Method {method or '(none)'} not found for models/{model}.")

    def _embedding(self, request: dict[str, Any]) -> dict[str, Any]:
        parts = (request.get("content") or {}).get("parts") or []
        text = "".join(part.get("text", "") for part in parts)
        dimensions = int(request.get("outputDimensionality") or EMBEDDING_DIMENSIONS)
        return {"values": fake_embedding(text, dimensions)}

    def _usage(self, reply: Reply, *, final: bool) -> dict[str, Any]:
        usage: dict[str, Any] = {"promptTokenCount": reply.input_tokens}
        if final:
            usage["candidatesTokenCount"] = reply.completion_tokens
        usage["totalTokenCount"] = reply.input_tokens + (reply.completion_tokens if final else 0)
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": reply.input_tokens}]
        return usage

    def _response(
        self,
        parts: list[dict[str, Any]],
        reply: Reply,
        model: str,
        response_id: str,
        *,
        final: bool,
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
        if final:
            candidate["finishReason"] = "STOP"
        candidate["index"] = 0
        return {
            "candidates": [candidate],
            "usageMetadata": self._usage(reply, final=final),
            "modelVersion": model,
            "responseId": response_id,
        }

    def _call_parts(self, reply: Reply) -> list[dict[str, Any]]:
        parts = []
        for call in reply.calls:
            function_call: dict[str, Any] = {"name": call.name, "args": call.arguments}
            if call.id is not None:
                function_call["id"] = call.id
            parts.append({"functionCall": function_call})
        return parts

    def completion(self, body: dict[str, Any], reply: Reply, model: str) -> dict[str, Any]:
        parts = ([{"text": reply.text}] if reply.text else []) + self._call_parts(reply)
        return self._response(parts or [{"text": ""}], reply, model, _random_id(""), final=True)

    def stream_frames(self, body: dict[str, Any], reply: Reply, model: str) -> list[bytes]:
        response_id = _random_id("")
        # Gemini streams text in pieces but each functionCall whole, in the last chunk.
        chunks: list[list[dict[str, Any]]] = [[{"text": p}] for p in _text_pieces(reply.text)]
        if reply.calls or not chunks:
            chunks.append(self._call_parts(reply) or [{"text": ""}])
        return [
            b"data: "
            + json.dumps(
                self._response(parts, reply, model, response_id, final=n == len(chunks) - 1)
            ).encode()
            + b"\r\n\r\n"
            for n, parts in enumerate(chunks)
        ]

    def malformed_frame(self) -> bytes:
        return b'data: {"candidates": [{"content": {"parts": [{"te\r\n\r\n'


_WIRES: dict[str, Callable[[FakeProvider], _Wire]] = {
    "openai": _OpenAIWire,
    "anthropic": _AnthropicWire,
    "gemini": _GeminiWire,
}
