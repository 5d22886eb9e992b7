"""The gateway's responses as `/openapi.json` describes them: every route declares its
success and error bodies, and what the live server sends matches those schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from tests.providers.fakes import FakeProvider, Reply, ToolCall
from tests.support import api_key, premium, register

ERROR = "#/components/schemas/OpenAIErrorPublic"


@pytest.fixture(scope="module")
def openapi(base_url: str) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{base_url}/openapi.json").json()
    return document


@pytest.fixture(scope="module")
def gateway(base_url: str) -> Iterator[httpx.Client]:
    key = api_key(premium(register(base_url)))
    with httpx.Client(
        base_url=f"{base_url}/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as client:
        yield client


def _matches(openapi: dict[str, Any], ref: str, body: Any) -> None:
    schema = {"$ref": ref, "components": openapi["components"]}
    jsonschema_rs.validator_for(schema).validate(body)


def _response(openapi: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    described: dict[str, Any] = openapi["paths"][path][method]["responses"][str(status)]
    return described


@pytest.mark.parametrize(
    ("path", "method", "model", "errors"),
    [
        ("/v1/chat/completions", "post", "ChatCompletion", (401, 403, 404, 429, 502, 504)),
        ("/v1/models", "get", "GatewayModelList", (401, 429)),
        ("/v1/embeddings", "post", "EmbeddingList", (401, 403, 404, 429, 502, 504)),
    ],
)
def test_every_route_describes_its_answers(
    openapi: dict[str, Any], path: str, method: str, model: str, errors: tuple[int, ...]
) -> None:
    ok = _response(openapi, path, method, 200)["content"]
    assert ok["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    for status in errors:
        error = _response(openapi, path, method, status)["content"]["application/json"]
        assert error["schema"] == {"$ref": ERROR}


def test_streams_are_described_as_server_sent_events(openapi: dict[str, Any]) -> None:
    ok = _response(openapi, "/v1/chat/completions", "post", 200)
    assert ok["content"]["text/event-stream"]["schema"] == {"type": "string"}
    assert "data: [DONE]" in ok["description"]


def test_completions_match_their_schema(
    openapi: dict[str, Any], gateway: httpx.Client, fakes: dict[str, FakeProvider]
) -> None:
    fakes["openai"].reset()
    fakes["openai"].push(Reply("", tool_calls=[ToolCall("lookup", {"q": "atrium"})]))
    for model in ("scripted/fast", "openai/gpt-4o-mini"):
        r = gateway.post(
            "/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "Hello"}]},
        )
        assert r.status_code == 200, r.text
        _matches(openapi, "#/components/schemas/ChatCompletion", r.json())
    assert r.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "lookup"
    streamed = gateway.post(
        "/chat/completions",
        json={
            "model": "scripted/fast",
            "stream": True,
            "messages": [{"role": "user", "content": "Hello"}],
        },
    )
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert streamed.text.endswith("data: [DONE]\n\n")


def test_models_and_embeddings_match_their_schemas(
    openapi: dict[str, Any], gateway: httpx.Client
) -> None:
    models = gateway.get("/models")
    assert models.status_code == 200
    _matches(openapi, "#/components/schemas/GatewayModelList", models.json())
    for encoding in ("float", "base64"):
        r = gateway.post(
            "/embeddings",
            json={
                "model": "openai/text-embedding-3-small",
                "input": ["alpha", "beta"],
                "encoding_format": encoding,
            },
        )
        assert r.status_code == 200, r.text
        _matches(openapi, "#/components/schemas/EmbeddingList", r.json())


def test_errors_match_their_schema(
    openapi: dict[str, Any], gateway: httpx.Client, base_url: str
) -> None:
    missing = gateway.post(
        "/chat/completions",
        json={"model": "nope/nothing", "messages": [{"role": "user", "content": "x"}]},
    )
    invalid = gateway.post(
        "/embeddings", json={"model": "x", "input": "alpha", "encoding_format": "hex"}
    )
    anonymous = httpx.get(f"{base_url}/v1/models")
    for response, status in ((missing, 404), (invalid, 400), (anonymous, 401)):
        assert response.status_code == status, response.text
        _matches(openapi, ERROR, response.json())
