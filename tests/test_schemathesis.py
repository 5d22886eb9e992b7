"""schemathesis against the live server's own OpenAPI document, with a valid credential:
requests generated for every operation get no 5xx, and every response matches what
`/openapi.json` says of it: its status code is documented and its body fits the schema.

One test per operation, listed from the app itself so that a new route is tested without
being named here. schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`)
fails under pytest 9 (it writes `request.node._nodeid`, which pytest 9 no longer has), so the
cases come from its Python API: each operation's hypothesis strategy, run with `@given`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import make_url

from atrium.app import create_app
from atrium.db.urls import DatabaseUrls
from atrium.settings import Settings
from tests.support import register

# Operations left out, and why:
# - they start runs on the default model (the local llama.cpp one: seconds of CPU each, for
#   runs that outlive the request): /runs, /runs/batch, /runs/stream, /runs/wait and
#   /threads/{thread_id}/runs, .../runs/stream, .../runs/wait (a generated body may carry
#   `if_not_exists: create`, so a generated thread id does not stop them);
# - they wait or stream until a run ends: .../runs/{run_id}/join, .../runs/{run_id}/stream,
#   /threads/{thread_id}/stream, and .../cancel (with `wait`);
# - /v1/chat/completions and /v1/embeddings may reach the local models the same way;
# - /auth/login: failed sign-ins count against the per-address limit that every other test
#   signing in from 127.0.0.1 shares; /auth/logout ends sessions.
EXCLUDED = re.compile(
    "|".join(
        [
            r"^/runs(/batch|/stream|/wait)?$",
            r"^/threads/\{thread_id\}/runs(/stream|/wait)?$",
            r"^/threads/\{thread_id\}/runs/\{run_id\}/(join|stream|cancel)$",
            r"^/threads/\{thread_id\}/stream$",
            r"^/v1/(chat/completions|embeddings)$",
            r"^/auth/(login|logout)$",
        ]
    )
)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = 8


def documented_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the app documents. The app is only built (no
    lifespan, no database); `test_the_live_document_is_the_apps` checks the live server
    serves the same document."""
    url = make_url("postgresql+psycopg://unused@127.0.0.1:1/unused")
    settings = Settings(
        data_dir=Path(tempfile.gettempdir()) / "atrium-openapi-unused",
        secret_key="openapi-" + "k" * 32,
    )
    document = create_app(settings, DatabaseUrls(owner=url, app=url)).openapi()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    ]


OPERATIONS = documented_operations()
TESTED = [(m, p) for m, p in OPERATIONS if not EXCLUDED.search(p)]


@pytest.fixture(scope="module")
def live_schema(base_url: str) -> schemathesis.BaseSchema:
    # A fresh tenant's owner: a user session, so that user-only routes answer too.
    token = register(base_url).tokens["access_token"]
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    schema.config.update(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
    return schema


def test_the_live_document_is_the_apps(live_schema: schemathesis.BaseSchema) -> None:
    live = set()
    for result in live_schema.get_all_operations():
        assert isinstance(result, Ok), result  # an operation schemathesis cannot read
        live.add((result.ok().method.upper(), result.ok().path))
    assert live == set(OPERATIONS)
    assert len(TESTED) > len(OPERATIONS) / 2, "most operations are tested"


@pytest.mark.parametrize(("method", "path"), TESTED, ids=[f"{m} {p}" for m, p in TESTED])
def test_responses_match_the_openapi_document(
    method: str, path: str, live_schema: schemathesis.BaseSchema
) -> None:
    operation = live_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(checks=CHECKS)

    check()
