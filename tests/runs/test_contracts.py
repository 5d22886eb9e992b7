"""The typed contracts of assistants, threads and runs: every response they send is described
in the OpenAPI document, and a run's stored options read back through one model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from atrium.app import create_app
from atrium.db.urls import DatabaseUrls
from atrium.runs.schemas import OnCompletion, RunOptions
from atrium.settings import Settings

AGENT_PREFIXES = ("/assistants", "/threads", "/runs", "/tenants/current/webhook-secret")


@pytest.fixture
def openapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("ATRIUM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ATRIUM_SECRET_KEY", "k" * 48)
    url = make_url("postgresql+psycopg://nobody@127.0.0.1/unused")  # never connected
    return create_app(Settings(), DatabaseUrls(owner=url, app=url)).openapi()


def test_every_agent_response_is_described(openapi: dict[str, Any]) -> None:
    checked = 0
    for path, operations in openapi["paths"].items():
        if not path.startswith(AGENT_PREFIXES):
            continue
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code == "422" or code in ("202", "204"):
                    continue
                content = response.get("content") or {}
                assert content, (method, path, code)
                for media_type, body in content.items():
                    assert body.get("schema"), (method, path, code, media_type)
                checked += 1
    assert checked >= 35


def test_streams_are_described_as_server_sent_events(openapi: dict[str, Any]) -> None:
    stream = openapi["paths"]["/threads/{thread_id}/runs/stream"]["post"]["responses"]["200"]
    assert list(stream["content"]) == ["text/event-stream"]


def test_a_run_reads_as_its_public_fields(openapi: dict[str, Any]) -> None:
    schema = openapi["components"]["schemas"]["RunPublic"]
    assert "kwargs" in schema["properties"] and "options" not in schema["properties"]
    status = openapi["components"]["schemas"]["RunStatus"]
    assert set(status["enum"]) == {
        "pending",
        "running",
        "success",
        "error",
        "timeout",
        "interrupted",
    }


def test_run_options_read_back_a_row_of_an_older_version() -> None:
    # What runs/service.py wrote before RunOptions existed.
    stored: dict[str, Any] = {
        "input": {"messages": []},
        "command": None,
        "config": {},
        "stream_mode": ["values"],
        "on_completion": "delete",
        "_delete_thread": True,
    }
    options = RunOptions.model_validate(stored)
    assert options.delete_thread and options.on_completion == OnCompletion.delete
    assert options.stream_resumable is False and options.webhook is None
    assert "_delete_thread" not in options.public()
    assert RunOptions.model_validate(options.stored()) == options
