"""A row the database refuses never stops a batch writer: it is set aside, counted, and the
rows of every other tenant are written (issue 9, finding 5)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from prometheus_client import REGISTRY

from atrium.db.urls import DatabaseUrls
from atrium.kit.background import BackgroundWork
from atrium.kit.db import Database
from atrium.runs.events import EventSink
from atrium.runs.hub import RunHub
from atrium.usage.recorder import UsageEvent, UsageRecorder
from tests.inprocess import Accounts

if TYPE_CHECKING:
    from fastapi import FastAPI


def _rejected(writer: str) -> float:
    return REGISTRY.get_sample_value("atrium_batch_rows_rejected_total", {"writer": writer}) or 0.0


def _dropped(writer: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "atrium_batch_rows_dropped_total", {"writer": writer, "reason": reason}
    )
    return value or 0.0


def _event(tenant_id: str, model: str, request_id: str) -> UsageEvent:
    return UsageEvent(
        tenant_id=uuid.UUID(tenant_id),
        kind="chat",
        provider="local",
        model=model,
        input_tokens=3,
        output_tokens=4,
        cost_usd=Decimal(0),
        latency_ms=5,
        status="ok",
        created_at=dt.datetime.now(dt.UTC),
        request_id=request_id,
    )


def _stored(db: psycopg.Connection[Any], request_ids: list[str]) -> set[str]:
    rows = db.execute(
        "SELECT request_id FROM usage_records WHERE request_id = ANY(%s)", (request_ids,)
    ).fetchall()
    return {row[0] for row in rows}


async def test_usage_rows_the_database_refuses_are_set_aside(
    atrium_app: FastAPI, accounts: Accounts, db: psycopg.Connection[Any]
) -> None:
    first, second = await accounts.tenant(), await accounts.tenant()
    recorder = UsageRecorder(atrium_app.state.runtime.db, flush_seconds=60)
    tag = uuid.uuid4().hex
    good = [f"{tag}-{i}" for i in range(7)]
    before = _rejected("usage")
    recorder.record(_event(first.tenant_id, "local/smollm", good[0]))
    recorder.record(_event(second.tenant_id, "local/\x00", f"{tag}-nul"))
    recorder.record(_event(second.tenant_id, "local/\ud800", f"{tag}-surrogate"))
    for request_id in good[1:]:
        recorder.record(_event(second.tenant_id, "local/smollm", request_id))
    assert await recorder.flush() == 9
    assert _stored(db, good) == set(good)
    assert {e.request_id for e in recorder.rejected} == {f"{tag}-nul", f"{tag}-surrogate"}
    assert _rejected("usage") == before + 2
    # the writer goes on: nothing is left over to fail the next flush
    recorder.record(_event(first.tenant_id, "local/smollm", f"{tag}-later"))
    assert await recorder.flush() == 1
    assert _stored(db, [f"{tag}-later"]) == {f"{tag}-later"}
    await recorder.close()


async def test_usage_queue_is_bounded_and_close_never_raises(
    database_urls: DatabaseUrls, accounts: Accounts
) -> None:
    tenant = await accounts.tenant()
    # A database that cannot be reached: nothing is ever stored.
    unreachable = Database(
        database_urls.app.set(host="127.0.0.1", port=1), pool_size=1, background=BackgroundWork()
    )
    recorder = UsageRecorder(unreachable, flush_seconds=60, max_pending=3)
    full, shutdown = _dropped("usage", "queue_full"), _dropped("usage", "shutdown")
    for i in range(5):
        recorder.record(_event(tenant.tenant_id, "local/smollm", f"x{i}"))
    assert _dropped("usage", "queue_full") == full + 2
    await recorder.close()  # does not raise
    assert _dropped("usage", "shutdown") == shutdown + 3
    await unreachable.dispose()


async def test_run_events_the_database_refuses_are_set_aside(
    atrium_app: FastAPI, accounts: Accounts, db: psycopg.Connection[Any]
) -> None:
    owner = await accounts.tenant()
    assistant = (await owner.http.post("/assistants", json={"graph_id": "agent"})).json()
    thread = (await owner.http.post("/threads", json={})).json()
    # A background run: only its row is needed. The live server's worker may execute it and
    # write its own events, so these are numbered far beyond any it writes.
    r = await owner.http.post(
        f"/threads/{thread['thread_id']}/runs",
        json={"assistant_id": assistant["assistant_id"], "input": {"messages": []}},
    )
    assert r.status_code == 200, r.text
    run_id = uuid.UUID(r.json()["run_id"])
    last = (1_000_000,)
    sink = EventSink(atrium_app.state.runtime.db, RunHub(atrium_app.state.runtime.db))
    before = _rejected("run_events")
    writer = sink.writer(
        uuid.UUID(owner.tenant_id), run_id, uuid.UUID(thread["thread_id"]), last[0]
    )
    writer.emit("custom", {"n": 1})
    writer.emit("custom", {"text": "nul\u0000"})  # jsonb cannot hold it
    writer.emit("custom", {"n": 3})
    await writer.flush()  # returns: the refused event is settled, not retried forever
    assert writer.stored == last[0] + 3
    assert [row["seq"] for row in sink.rejected] == [last[0] + 2]
    assert _rejected("run_events") == before + 1
    stored = db.execute(
        "SELECT seq, data FROM run_events WHERE run_id = %s AND seq > %s ORDER BY seq",
        (run_id, last[0]),
    ).fetchall()
    assert stored == [(last[0] + 1, {"n": 1}), (last[0] + 3, {"n": 3})]
    await sink.close()
