"""Text PostgreSQL cannot store (NUL, lone surrogates) is refused at the edge, naming the
field, and writes nothing (issue 9, finding 5)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
import pytest

from tests.inprocess import Accounts, Principal, assert_error


def _openai_error(r: Any, param: str) -> None:
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "validation_error"
    # a field of a union names the branch too (`messages.0.content.str`)
    assert error["param"] == param or error["param"].startswith(f"{param}."), error


@pytest.fixture(scope="module")
async def gateway_key(accounts: Accounts) -> str:
    return await accounts.api_key(await accounts.premium(await accounts.tenant()))


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "local/\u0000"}, "model"),
        ({"model": "local/\ud800"}, "model"),
        ({"messages": [{"role": "user", "content": "a\u0000b"}]}, "messages.0.content"),
        ({"messages": [{"role": "user", "content": "\udfff"}]}, "messages.0.content"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "\u0000"}]}]},
            "messages.0.content",
        ),
        # fields OpenAI's API has and Atrium passes on are checked too
        ({"metadata": {"k": "v\u0000"}}, None),
        ({"messages": [{"role": "user", "content": "hi", "extra\u0000": 1}]}, "messages.0"),
    ],
)
async def test_gateway_refuses_unstorable_text(
    accounts: Accounts, gateway_key: str, body: dict[str, Any], param: str | None
) -> None:
    client = accounts.client(gateway_key)
    payload = {"model": "scripted/fast", "messages": [{"role": "user", "content": "hi"}], **body}
    # Raw bytes: a JSON encoder would refuse to encode a lone surrogate itself.
    raw = json.dumps(payload).encode()
    r = await client.post(
        "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
    )
    if param is None:
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "validation_error"
    else:
        _openai_error(r, param)
    r = await client.post(
        "/v1/embeddings",
        content=json.dumps({"model": "local/\u0000", "input": "x"}).encode(),
        headers={"content-type": "application/json"},
    )
    _openai_error(r, "model")


async def test_usage_of_other_tenants_is_still_recorded(
    accounts: Accounts, gateway_key: str, db: psycopg.Connection[Any]
) -> None:
    # The call of finding 5: on main it queued a usage record no flush could write, and
    # from then on no tenant's usage was written.
    bad = accounts.client(gateway_key)
    r = await bad.post(
        "/v1/chat/completions",
        json={"model": "local/\u0000", "messages": [{"role": "user", "content": "hi"}]},
    )
    _openai_error(r, "model")
    other = await accounts.premium(await accounts.tenant())
    client = accounts.client(await accounts.api_key(other))
    r = await client.post(
        "/v1/chat/completions",
        json={"model": "scripted/fast", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200, r.text
    for _ in range(100):
        row = db.execute(
            "SELECT count(*) FROM usage_records WHERE tenant_id = %s", (other.tenant_id,)
        ).fetchone()
        if row == (1,):
            break
        await asyncio.sleep(0.1)
    assert row == (1,)


@pytest.mark.parametrize("text", ["nul\u0000", "lone \ud800", "\udc00"])
async def test_state_update_refuses_unstorable_text_and_writes_nothing(
    owner: Principal, db: psycopg.Connection[Any], text: str
) -> None:
    tid = (await owner.http.post("/threads", json={})).json()["thread_id"]
    for body in (
        {"values": {"messages": [{"role": "user", "content": text}]}},
        {"values": {text: 1}},
        {"values": [{"role": "user", "content": text}]},
        {"values": {"messages": []}, "as_node": text},
    ):
        r = await owner.http.post(
            f"/threads/{tid}/state",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
        assert_error(r, 422, "validation_error")
        assert r.json()["error"]["field"].startswith("body."), r.text
    assert (await owner.http.get(f"/threads/{tid}/state")).json()["values"] == {}

    def checkpoints() -> int:
        row = db.execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id LIKE %s", (f"%{tid}%",)
        ).fetchone()
        assert row is not None
        return int(row[0])

    assert checkpoints() == 0
    r = await owner.http.post(
        f"/threads/{tid}/state",
        json={"values": {"messages": [{"role": "user", "content": "fine"}]}},
    )
    assert r.status_code == 200, r.text
    assert checkpoints() == 1  # where a written one is found
