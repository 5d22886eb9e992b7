"""A scripted model that answers instantly with a fixed reply: it lets benchmarks measure
Atrium alone, and tests exercise streaming without a real model. Enabled only when
`ATRIUM_SCRIPTED_MODELS=true`.

Models: `scripted/fast` (no delay) and `scripted/slow` (pauses between words, for holding
streams open). A user message of the form `call <tool> <json>` makes it call that tool once.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

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
    estimate_tokens,
    message_text,
    usage_chunk,
)

REPLY = "This is a scripted reply from Atrium's benchmark model, streamed word by word."
MODELS = {"fast": 0.0, "slow": 0.05}


def _plan(call: ChatCall) -> tuple[str, Json | None]:
    messages = call.body.get("messages", [])
    last = messages[-1] if messages else {}
    if last.get("role") == "user" and isinstance(last.get("content"), str):
        text = last["content"].strip()
        if text.startswith("call "):
            _, _, rest = text.partition(" ")
            name, _, args = rest.partition(" ")
            return "", {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": name, "arguments": args or "{}"},
            }
    return REPLY, None


class ScriptedAdapter:
    name = "scripted"

    def __init__(self, *, slow_delay: float = MODELS["slow"]) -> None:
        self._delays = {**MODELS, "slow": slow_delay}

    def _delay(self, model: str) -> float:
        if model not in self._delays:
            raise UpstreamError(
                ErrorKind.bad_request,
                f"Unknown scripted model {model!r}",
                status=404,
                provider=self.name,
            )
        return self._delays[model]

    async def complete(self, call: ChatCall, creds: Credentials) -> Json:
        self._delay(call.model)
        text, tool_call = _plan(call)
        usage = Usage(
            estimate_tokens(message_text(call.body.get("messages", []))), len(text.split()) or 1
        )
        message: Json = {"role": "assistant", "content": text or None, "refusal": None}
        if tool_call:
            message["tool_calls"] = [tool_call]
        return completion(
            model=call.model,
            message=message,
            finish_reason="tool_calls" if tool_call else "stop",
            usage=usage,
        )

    async def stream(self, call: ChatCall, creds: Credentials) -> AsyncIterator[Json]:
        delay = self._delay(call.model)
        text, tool_call = _plan(call)
        id_ = completion_id()
        yield chunk(id_=id_, model=call.model, delta={"role": "assistant", "content": ""})
        words = text.split(" ") if text else []
        for i, word in enumerate(words):
            if delay:
                await asyncio.sleep(delay)
            yield chunk(
                id_=id_, model=call.model, delta={"content": word if i == 0 else " " + word}
            )
        if tool_call:
            yield chunk(
                id_=id_, model=call.model, delta={"tool_calls": [{"index": 0, **tool_call}]}
            )
        yield chunk(
            id_=id_, model=call.model, delta={}, finish_reason="tool_calls" if tool_call else "stop"
        )
        usage = Usage(estimate_tokens(message_text(call.body.get("messages", []))), len(words) or 1)
        yield usage_chunk(id_=id_, model=call.model, usage=usage)

    async def embed(
        self, model: str, inputs: list[str], creds: Credentials, timeout_seconds: float
    ) -> Embeddings:
        vectors = [[b / 255 for b in hashlib.sha256(t.encode()).digest()[:8]] for t in inputs]
        return Embeddings(vectors=vectors, usage=Usage(sum(estimate_tokens(t) for t in inputs)))

    async def close(self) -> None:
        return None
