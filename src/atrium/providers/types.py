"""The provider layer's own vocabulary. Requests and responses are in OpenAI's
chat-completions format (plain dicts, as the OpenAI API documents them); adapters translate
to and from other providers."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Json = dict[str, Any]


class ErrorKind(StrEnum):
    rate_limited = "rate_limited"  # 429
    server = "server"  # 5xx
    timeout = "timeout"
    connection = "connection"
    bad_request = "bad_request"  # 400/404/422: the request itself is wrong
    auth = "auth"  # 401/403: the credential is wrong
    malformed = "malformed"  # the provider answered something unreadable


RETRYABLE = frozenset(
    {ErrorKind.rate_limited, ErrorKind.server, ErrorKind.timeout, ErrorKind.connection}
)


class UpstreamError(Exception):
    """A provider call failed. Messages never contain credentials."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        provider: str = "",
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.provider = provider

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True, slots=True)
class Credentials:
    api_key: str | None
    base_url: str | None
    source: str  # "platform" or "tenant"
    # A tenant's key reaches private addresses only when a platform administrator allowed
    # it for that tenant (`tenants.allow_private_provider_urls`).
    allow_private: bool = False

    @property
    def guarded(self) -> bool:
        """Whether calls with these credentials may connect to public addresses only."""
        return self.source == "tenant" and not self.allow_private


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    estimated: bool = False

    @classmethod
    def from_openai(cls, usage: Json | None) -> Usage | None:
        if not usage:
            return None
        return cls(
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
        )

    def to_openai(self) -> Json:
        return {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
        }


@dataclass(slots=True)
class ChatCall:
    """One request to one deployment: the upstream model name and the OpenAI-format body."""

    model: str
    body: Json
    timeout: float


@dataclass(slots=True)
class Embeddings:
    vectors: list[list[float]]
    usage: Usage


@dataclass(slots=True)
class CallOutcome:
    """What the router learned about a finished call, for metering and metrics."""

    provider: str
    model: str
    usage: Usage
    latency_s: float
    ttft_s: float | None = None
    fallbacks: list[str] = field(default_factory=list)
    error: UpstreamError | None = None


def estimate_tokens(text: str) -> int:
    """A rough count (about four characters a token) for providers that report no usage."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def message_text(messages: list[Json]) -> str:
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
        for call in message.get("tool_calls") or []:
            parts.append(str(call.get("function", {}).get("arguments", "")))
    return "\n".join(parts)


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def now() -> int:
    return int(time.time())


def completion(
    *, model: str, message: Json, finish_reason: str, usage: Usage, id_: str | None = None
) -> Json:
    return {
        "id": id_ or completion_id(),
        "object": "chat.completion",
        "created": now(),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": usage.to_openai(),
    }


def chunk(*, id_: str, model: str, delta: Json, finish_reason: str | None = None) -> Json:
    return {
        "id": id_,
        "object": "chat.completion.chunk",
        "created": now(),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }


def usage_chunk(*, id_: str, model: str, usage: Usage) -> Json:
    return {
        "id": id_,
        "object": "chat.completion.chunk",
        "created": now(),
        "model": model,
        "choices": [],
        "usage": usage.to_openai(),
    }
