"""A LangChain chat model backed by Atrium's provider layer, so LangGraph streams its tokens
(stream mode `messages`) while retries, fallbacks, credentials and metering stay in one
place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessageChunk,
    BaseMessage,
    convert_to_openai_messages,
    message_chunk_to_message,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, SkipValidation

from atrium.providers.router import Deployment
from atrium.providers.service import Caller, ProviderService


class AtriumChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    # Runtime objects, not data: pydantic must not try to validate them.
    providers: SkipValidation[ProviderService]
    deployments: SkipValidation[list[Deployment]]
    caller: SkipValidation[Caller]
    temperature: float | None = None
    max_tokens: int | None = None
    tools: list[dict[str, Any]] | None = None

    @property
    def _llm_type(self) -> str:
        return "atrium"

    def _body(self, messages: Sequence[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": convert_to_openai_messages(list(messages))}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if stop:
            body["stop"] = stop
        if self.tools:
            body["tools"] = self.tools
        return body

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        # The graph runs on asyncio; a synchronous call here would block the event loop.
        raise TypeError("AtriumChatModel is asynchronous: use ainvoke or astream")

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        async for item in self.providers.stream(
            self.deployments, self._body(messages, stop), self.caller
        ):
            usage = item.get("usage")
            if usage:
                yield ChatGenerationChunk(
                    message=AIMessageChunk(
                        content="",
                        usage_metadata={
                            "input_tokens": int(usage.get("prompt_tokens") or 0),
                            "output_tokens": int(usage.get("completion_tokens") or 0),
                            "total_tokens": int(usage.get("total_tokens") or 0),
                        },
                    )
                )
            for choice in item.get("choices") or []:
                delta = choice.get("delta") or {}
                tool_chunks = [
                    {
                        "name": (tc.get("function") or {}).get("name"),
                        "args": (tc.get("function") or {}).get("arguments"),
                        "id": tc.get("id"),
                        "index": tc.get("index", 0),
                        "type": "tool_call_chunk",
                    }
                    for tc in delta.get("tool_calls") or []
                ]
                metadata: dict[str, Any] = {}
                if choice.get("finish_reason"):
                    metadata = {
                        "finish_reason": choice["finish_reason"],
                        "model_name": item.get("model"),
                    }
                if delta.get("content") or tool_chunks or metadata:
                    yield ChatGenerationChunk(
                        message=AIMessageChunk(
                            content=delta.get("content") or "",
                            tool_call_chunks=tool_chunks,
                            response_metadata=metadata,
                        )
                    )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        merged: AIMessageChunk | None = None
        async for chunk in self._astream(messages, stop, run_manager, **kwargs):
            merged = chunk.message if merged is None else merged + chunk.message  # type: ignore[assignment]
        message = message_chunk_to_message(merged or AIMessageChunk(content=""))
        return ChatResult(generations=[ChatGeneration(message=message)])
