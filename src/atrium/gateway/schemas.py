"""Request bodies of the OpenAI-compatible gateway. Fields OpenAI documents are validated;
other fields are passed on to OpenAI-compatible providers untouched, so new SDK options keep
working. Every request body, declared fields and passed-on ones alike, holds only text that
can be stored (`Storable`): its model name and metadata end up in usage records."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from atrium.kit.schemas import Storable

ModelName = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class _Open(Storable):
    model_config = ConfigDict(extra="allow")


class ImageUrl(_Open):
    url: Annotated[str, StringConstraints(min_length=1, max_length=20_000_000)]
    detail: Literal["auto", "low", "high"] | None = None


class ContentPart(_Open):
    type: Literal["text", "image_url", "input_audio", "file", "refusal"]
    text: str | None = None
    image_url: ImageUrl | None = None


class FunctionCall(_Open):
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    arguments: str


class ToolCall(_Open):
    id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(_Open):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: Annotated[str, StringConstraints(max_length=256)] | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: Annotated[str, StringConstraints(max_length=256)] | None = None


class FunctionDefinition(_Open):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(_Open):
    type: Literal["function"]
    function: FunctionDefinition


class NamedFunction(_Open):
    name: str


class NamedToolChoice(_Open):
    type: Literal["function"]
    function: NamedFunction


class JsonSchemaFormat(_Open):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None
    description: str | None = None


class ResponseFormat(_Open):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(_Open):
    include_usage: bool | None = None


class ChatCompletionRequest(_Open):
    model: ModelName
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=5000)]
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    tools: Annotated[list[Tool], Field(max_length=128)] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    response_format: ResponseFormat | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    seed: int | None = None
    user: Annotated[str, StringConstraints(max_length=256)] | None = None
    n: Annotated[int, Field(ge=1, le=1)] | None = None

    @field_validator("stop")
    @classmethod
    def _stop_length(cls, value: str | list[str] | None) -> str | list[str] | None:
        items = [value] if isinstance(value, str) else value or []
        if any(len(s) > 256 for s in items):
            raise ValueError("each stop sequence must be at most 256 characters")
        return value

    def upstream_body(self) -> dict[str, Any]:
        return self.model_dump(
            exclude_none=True, by_alias=True, exclude={"model", "stream", "stream_options"}
        )


class EmbeddingRequest(_Open):
    model: ModelName
    input: (
        Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
        | Annotated[
            list[Annotated[str, StringConstraints(min_length=1, max_length=100_000)]],
            Field(min_length=1, max_length=2048),
        ]
        | list[int]
        | list[list[int]]
    )
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: Annotated[int, Field(ge=1, le=10_000)] | None = None
    user: Annotated[str, StringConstraints(max_length=256)] | None = None

    def texts(self) -> list[str] | None:
        if isinstance(self.input, str):
            return [self.input]
        if all(isinstance(i, str) for i in self.input):
            return [str(i) for i in self.input]
        return None


# Responses, in OpenAI's shape. They describe the responses in the OpenAPI document; the
# endpoints send the provider's JSON as it came (see `endpoints.py`), so every model stays
# open to the fields a provider adds.


class _Reply(BaseModel):
    """A response body: a model's answer may hold any text, it is not stored as such."""

    model_config = ConfigDict(extra="allow")


class CompletionUsage(_Reply):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionMessage(_Reply):
    role: Literal["assistant"]
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class ChatCompletionChoice(_Reply):
    index: int
    message: ChatCompletionMessage
    finish_reason: str | None = Field(
        description="`stop`, `length`, `tool_calls` or `content_filter`"
    )
    logprobs: dict[str, Any] | None = None


class ChatCompletion(_Reply):
    """A chat completion (`stream` false)."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: CompletionUsage | None = None


class GatewayModel(_Reply):
    id: str = Field(description="`provider/model`, as `model` accepts it")
    object: Literal["model"]
    created: int
    owned_by: str


class GatewayModelList(_Reply):
    object: Literal["list"]
    data: list[GatewayModel]


class Embedding(_Reply):
    object: Literal["embedding"]
    index: int
    embedding: list[float] | str = Field(
        description="The vector, or with `encoding_format: base64` its little-endian float32 "
        "bytes in base64"
    )


class EmbeddingUsage(_Reply):
    prompt_tokens: int
    total_tokens: int


class EmbeddingList(_Reply):
    object: Literal["list"]
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage
