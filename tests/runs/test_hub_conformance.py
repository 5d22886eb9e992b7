"""Conformance suite for the run hub backends: in process and Redis behave the same.

The delivery, cancel and wake-up tests take `hubs`, a pair `here` / `there`: in process both
are the one hub; with Redis they are two hubs on one Redis, i.e. two replicas, so what `here`
publishes or cancels must reach readers and runs on `there`. The sweep, the safety net under
both transports, reads real rows (tenant, thread, run, events) written as the owner into the
session's database, which the migrations built; the hubs read them as the application role,
under RLS.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import redis
import redis.asyncio
from sqlalchemy.engine import make_url

from atrium.kit.background import BackgroundWork
from atrium.kit.db import Database
from atrium.runs.events import EventSink
from atrium.runs.hub import (
    RESYNC,
    SWEEP_SECONDS,
    Batch,
    LiveEvent,
    RedisRunHub,
    Resync,
    RunHub,
    Subscription,
)

# Pub/Sub channels ignore the database number, so db 15 does not isolate the hub's channel:
# concurrent runs (and a dev server on this Redis) share it. Every run, thread and tenant
# here is a fresh uuid, so what another process publishes is never wanted by these hubs.
REDIS_URL = "redis://127.0.0.1:6379/15"
WAIT = 5.0  # upper bound for anything that should arrive; passing tests never wait it out
QUIET = 0.2  # how long "nothing more arrives" is watched (time for a Redis round trip)

Item = Batch | Resync


def _require_redis() -> None:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            client.ping()
    except redis.RedisError:
        pytest.fail("Redis is expected on 127.0.0.1:6379 (see README: scale-out tests)")


@dataclass(frozen=True)
class StoredRun:
    tenant_id: uuid.UUID
    thread_id: uuid.UUID
    run_id: uuid.UUID


class Rows:
    """Tenants, threads, runs and run events committed as the runs service would have, each
    insert under its tenant (so it works with FORCE RLS too); the tenants are deleted, with
    everything under them, at the end."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn
        self.tenants: list[uuid.UUID] = []

    async def _as(self, tenant_id: uuid.UUID, statement: str, *params: Any) -> None:
        async with self._conn.transaction():
            await self._conn.execute(
                "SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),)
            )
            await self._conn.execute(statement, params)

    async def tenant(self) -> uuid.UUID:
        tenant_id = uuid.uuid4()
        await self._as(
            tenant_id,
            "INSERT INTO tenants (id, name, plan_id) VALUES (%s, 'hub conformance', 'basic')",
            tenant_id,
        )
        self.tenants.append(tenant_id)
        return tenant_id

    async def run(
        self,
        *,
        status: str = "running",
        cancel_action: str | None = None,
        events: int = 0,
    ) -> StoredRun:
        tenant_id = await self.tenant()
        run = StoredRun(tenant_id, uuid.uuid4(), uuid.uuid4())
        await self._as(
            tenant_id,
            "INSERT INTO threads (tenant_id, id) VALUES (%s, %s)",
            tenant_id,
            run.thread_id,
        )
        await self._as(
            tenant_id,
            "INSERT INTO runs (tenant_id, id, thread_id, assistant_id, assistant_version,"
            " status, cancel_action) VALUES (%s, %s, %s, %s, 1, %s, %s)",
            tenant_id,
            run.run_id,
            run.thread_id,
            uuid.uuid4(),
            status,
            cancel_action,
        )
        for seq in range(1, events + 1):
            await self._as(
                tenant_id,
                "INSERT INTO run_events (tenant_id, run_id, seq, event, data)"
                " VALUES (%s, %s, %s, 'messages', '{}')",
                tenant_id,
                run.run_id,
                seq,
            )
        return run

    async def request_cancel(self, run: StoredRun) -> None:
        """What the cancel endpoint commits before it tells the hub."""
        await self._as(
            run.tenant_id,
            "UPDATE runs SET cancel_action = 'interrupt' WHERE tenant_id = %s AND id = %s",
            run.tenant_id,
            run.run_id,
        )

    async def delete_tenants(self) -> None:
        for tenant_id in self.tenants:  # the threads, runs and events go with them
            await self._as(tenant_id, "DELETE FROM tenants WHERE id = %s", tenant_id)

    async def stored_seqs(self, run: StoredRun) -> list[int]:
        async with self._conn.transaction():
            await self._conn.execute(
                "SELECT set_config('app.tenant_id', %s, true)", (str(run.tenant_id),)
            )
            cursor = await self._conn.execute(
                "SELECT seq FROM run_events WHERE tenant_id = %s AND run_id = %s ORDER BY seq",
                (run.tenant_id, run.run_id),
            )
            return [row[0] for row in await cursor.fetchall()]


@dataclass(frozen=True)
class Replicas:
    here: RunHub
    there: RunHub


MakeHub = Callable[..., Awaitable[RunHub]]


@pytest.fixture(scope="module")
async def hub_db(app_dsn: str) -> AsyncIterator[Database]:
    url = make_url(app_dsn).set(drivername="postgresql+psycopg")
    db = Database(url, pool_size=2, background=BackgroundWork())
    yield db
    await db.dispose()


@pytest.fixture
async def rows(owner_dsn: str) -> AsyncIterator[Rows]:
    async with await psycopg.AsyncConnection.connect(owner_dsn) as conn:
        made = Rows(conn)
        yield made
        await made.delete_tenants()


@pytest.fixture(params=["memory", "redis"])
async def make_hub(request: pytest.FixtureRequest, hub_db: Database) -> AsyncIterator[MakeHub]:
    if request.param == "redis":
        _require_redis()
    made: list[RunHub] = []

    async def make(*, start: bool) -> RunHub:
        hub = RedisRunHub(hub_db, REDIS_URL) if request.param == "redis" else RunHub(hub_db)
        made.append(hub)
        if start:
            hub.start()
        return hub

    yield make
    for hub in made:
        await hub.close()


async def _hear_each_other(a: RunHub, b: RunHub) -> None:
    """Until each hub hears what the other publishes (Redis: both listeners subscribed)."""
    loop = asyncio.get_running_loop()
    for speaker, listener in ((a, b), (b, a)):
        probe = uuid.uuid4()
        deadline = loop.time() + WAIT
        with listener.thread_wakeups(probe) as woken:
            while not woken.is_set():
                assert loop.time() < deadline, "the hubs never heard each other"
                speaker.wake_thread(probe)
                await _wait_set(woken, 0.1)


@pytest.fixture
async def hubs(make_hub: MakeHub) -> Replicas:
    here = await make_hub(start=True)
    if not isinstance(here, RedisRunHub):
        return Replicas(here, here)
    there = await make_hub(start=True)
    await _hear_each_other(here, there)
    return Replicas(here, there)


async def _wait_set(event: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def _take(sub: Subscription, count: int, seconds: float = WAIT) -> list[Item]:
    """What the subscription gets until `count` items came (or `seconds` passed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    items: list[Item] = []
    while len(items) < count and loop.time() < deadline:
        items += await sub.take(deadline - loop.time())
    return items


def _batch(seq: int, data: Any = None) -> Batch:
    return Batch((LiveEvent(seq, "messages", data if data is not None else {"n": seq}),), seq)


def _end(last: int, status: str = "success") -> Batch:
    return Batch((), last, ended=True, status=status)


async def _stopped(task: asyncio.Task[Any]) -> bool:
    await asyncio.wait({task}, timeout=WAIT)
    return task.cancelled()


ExecutingRun = Callable[[], asyncio.Task[None]]


@pytest.fixture
async def executing_run() -> AsyncIterator[ExecutingRun]:
    """Tasks that stand for the task a worker runs a run in; whatever is left is stopped."""
    started: list[asyncio.Task[None]] = []

    def start() -> asyncio.Task[None]:
        started.append(asyncio.get_running_loop().create_task(asyncio.sleep(3600)))
        return started[-1]

    yield start
    for task in started:
        task.cancel()
    await asyncio.gather(*started, return_exceptions=True)


# delivery


async def test_batches_reach_every_subscriber_in_order_once(hubs: Replicas, rows: Rows) -> None:
    run = await rows.run()
    # Data that a wire format could mangle: its separator, non-ASCII, nesting, null.
    batches = [
        _batch(seq, {"text": f"part {seq} | é 🙂", "n": [seq, None]}) for seq in range(1, 31)
    ]
    batches.append(_end(30))
    with (
        hubs.here.subscribe(run.tenant_id, run.run_id) as near,
        hubs.there.subscribe(run.tenant_id, run.run_id) as far,
        hubs.there.subscribe(run.tenant_id, run.run_id) as far_too,
    ):
        for batch in batches:
            hubs.here.publish(run.run_id, batch, thread_id=run.thread_id)
        for sub in (near, far, far_too):
            assert await _take(sub, len(batches)) == batches
        # ...and once: the publisher's own message coming back from Redis is not delivered
        # a second time.
        quiet = await asyncio.gather(*(sub.take(QUIET) for sub in (near, far, far_too)))
        assert quiet == [[], [], []]


async def test_ends_only_subscriber_gets_only_the_end(hubs: Replicas, rows: Rows) -> None:
    run = await rows.run()
    with (
        hubs.there.subscribe(run.tenant_id, run.run_id, ends_only=True) as ends,
        hubs.there.subscribe(run.tenant_id, run.run_id) as everything,
    ):
        for seq in (1, 2, 3):
            hubs.here.publish(run.run_id, _batch(seq), thread_id=run.thread_id)
        hubs.here.publish(run.run_id, _end(3, "interrupted"), thread_id=run.thread_id)
        assert await _take(ends, 1) == [_end(3, "interrupted")]
        assert await _take(everything, 4) == [
            _batch(1),
            _batch(2),
            _batch(3),
            _end(3, "interrupted"),
        ]
        assert await ends.take(QUIET) == []


async def test_deliveries_are_per_run(hubs: Replicas, rows: Rows) -> None:
    run, other = await rows.run(), await rows.run()
    with (
        hubs.there.subscribe(run.tenant_id, run.run_id) as sub,
        hubs.there.subscribe(other.tenant_id, other.run_id) as other_sub,
    ):
        hubs.here.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        assert await _take(sub, 1) == [_batch(1)]
        assert await other_sub.take(QUIET) == []


async def test_take_waits_for_the_next_delivery(hubs: Replicas, rows: Rows) -> None:
    run = await rows.run()
    with hubs.there.subscribe(run.tenant_id, run.run_id) as sub:
        assert await sub.take(0.05) == []  # nothing came: an empty list once the time is up
        waiting = asyncio.get_running_loop().create_task(sub.take(None))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        hubs.here.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        assert await asyncio.wait_for(waiting, WAIT) == [_batch(1)]


async def test_leaving_the_block_unsubscribes(hubs: Replicas, rows: Rows) -> None:
    run = await rows.run()
    with hubs.there.subscribe(run.tenant_id, run.run_id) as staying:
        with hubs.there.subscribe(run.tenant_id, run.run_id) as leaving:
            assert hubs.there.wants(run.run_id)
        hubs.here.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        assert await _take(staying, 1) == [_batch(1)]
        assert await leaving.take(QUIET) == []
    assert not hubs.there.wants(run.run_id)
    # No empty entry is left behind per run ever read.
    assert run.run_id not in hubs.there._subscriptions


# cancel


async def test_cancel_stops_the_task_executing_the_run(
    hubs: Replicas, rows: Rows, executing_run: ExecutingRun
) -> None:
    run = await rows.run()
    task = executing_run()
    with hubs.there.executing(run.tenant_id, run.run_id, task):
        assert hubs.there.wants(run.run_id)
        hubs.here.cancel(run.run_id)
        assert await _stopped(task)
    assert not hubs.there.wants(run.run_id)


async def test_cancel_of_an_unknown_or_finished_run_is_harmless(
    hubs: Replicas, rows: Rows, executing_run: ExecutingRun
) -> None:
    run = await rows.run()
    task = executing_run()
    with hubs.there.executing(run.tenant_id, run.run_id, task):
        hubs.here.cancel(uuid.uuid4())
        await asyncio.sleep(QUIET)
        assert not task.done()
    # The run no longer executes there: a late cancel does not reach the task.
    hubs.here.cancel(run.run_id)
    await asyncio.sleep(QUIET)
    assert not task.done()
    assert not hubs.there.wants(run.run_id)


# thread wake-ups


async def test_thread_wakeups(hubs: Replicas, rows: Rows) -> None:
    run, other = await rows.run(), await rows.run()
    with (
        hubs.there.thread_wakeups(run.thread_id) as woken,
        hubs.there.thread_wakeups(run.thread_id) as woken_too,
        hubs.there.thread_wakeups(other.thread_id) as other_woken,
    ):
        hubs.here.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        assert await _wait_set(woken, WAIT)
        assert await _wait_set(woken_too, WAIT)
        woken.clear()
        hubs.here.wake_thread(run.thread_id)
        assert await _wait_set(woken, WAIT)
        await asyncio.sleep(QUIET)
        assert not other_woken.is_set()
    assert run.thread_id not in hubs.there._thread_waiters
    assert other.thread_id not in hubs.there._thread_waiters


# events written by the sink


async def test_events_are_stored_before_they_are_delivered(
    hubs: Replicas, rows: Rows, hub_db: Database
) -> None:
    run = await rows.run()
    sink = EventSink(hub_db, hubs.here)
    sink.start()
    try:
        with hubs.there.subscribe(run.tenant_id, run.run_id) as sub:
            writer = sink.writer(run.tenant_id, run.run_id, run.thread_id, 0)
            for n in range(1, 11):
                writer.emit("messages", {"n": n})
            seqs: list[int] = []
            while len(seqs) < 10:
                items = await sub.take(WAIT)
                assert items, "the events were never delivered"
                assert all(isinstance(item, Batch) for item in items)
                delivered = [e.seq for i in items if isinstance(i, Batch) for e in i.events]
                # Whatever a reader is handed can be read again from the database.
                assert set(delivered) <= set(await rows.stored_seqs(run))
                seqs += delivered
            assert seqs == list(range(1, 11))
            await writer.flush()
    finally:
        await sink.close()


# the sweep (run by hand: the hubs here are not started, so no timer sweeps meanwhile)


async def test_sweep_resyncs_a_reader_that_missed_stored_events(
    make_hub: MakeHub, rows: Rows
) -> None:
    hub = await make_hub(start=False)
    run = await rows.run(events=3)
    with hub.subscribe(run.tenant_id, run.run_id) as sub:
        await hub.sweep()  # three stored: they may still be on their way
        assert await sub.take(0) == []
        await hub.sweep()  # nothing came for a whole sweep: they were lost
        assert await sub.take(0) == [RESYNC]


async def test_sweep_lets_a_lagging_delivery_arrive(make_hub: MakeHub, rows: Rows) -> None:
    hub = await make_hub(start=False)
    run = await rows.run(events=2)
    with hub.subscribe(run.tenant_id, run.run_id) as sub:
        await hub.sweep()
        hub.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        assert await sub.take(0) == [_batch(1)]
        sub.last = 1  # as the reader records it
        await hub.sweep()  # behind, but deliveries still come
        assert await sub.take(0) == []
        await hub.sweep()  # still behind and nothing came since
        assert await sub.take(0) == [RESYNC]


async def test_sweep_leaves_up_to_date_readers_alone(make_hub: MakeHub, rows: Rows) -> None:
    hub = await make_hub(start=False)
    run = await rows.run(events=2)
    with (
        hub.subscribe(run.tenant_id, run.run_id) as sub,
        hub.subscribe(run.tenant_id, run.run_id, ends_only=True) as ends,
    ):
        sub.last = 2
        for _ in range(3):
            await hub.sweep()
        assert await sub.take(0) == []
        assert await ends.take(0) == []  # behind, but it waits for the end only


async def test_sweep_resyncs_a_reader_whose_end_was_lost(make_hub: MakeHub, rows: Rows) -> None:
    hub = await make_hub(start=False)
    run = await rows.run(status="success", events=2)
    with hub.subscribe(run.tenant_id, run.run_id, ends_only=True) as ends:
        await hub.sweep()
        assert await ends.take(0) == []
        await hub.sweep()
        assert await ends.take(0) == [RESYNC]


async def test_sweep_stops_a_run_whose_cancel_was_lost(
    make_hub: MakeHub, rows: Rows, executing_run: ExecutingRun
) -> None:
    hub = await make_hub(start=False)
    cancelled, running = await rows.run(cancel_action="interrupt"), await rows.run()
    stop, keep = executing_run(), executing_run()
    with (
        hub.executing(cancelled.tenant_id, cancelled.run_id, stop),
        hub.executing(running.tenant_id, running.run_id, keep),
    ):
        await hub.sweep()
        assert await _stopped(stop)
        assert not keep.done()


async def test_sweep_reads_each_run_under_its_own_tenant(
    make_hub: MakeHub, rows: Rows, executing_run: ExecutingRun
) -> None:
    """A run id registered under another tenant is not found (RLS): for that tenant the run
    is gone, and the cancel requested in the run's own tenant does not apply to it."""
    hub = await make_hub(start=False)
    run = await rows.run(cancel_action="interrupt")
    stranger = await rows.tenant()
    task = executing_run()
    with (
        hub.subscribe(stranger, run.run_id, ends_only=True) as sub,
        hub.executing(stranger, run.run_id, task),
    ):
        await hub.sweep()
        await hub.sweep()
        assert await sub.take(0) == [RESYNC]
        assert not task.done()


async def test_sweep_does_not_resync_a_reader_that_joined_during_it(
    make_hub: MakeHub, rows: Rows
) -> None:
    hub = await make_hub(start=False)
    watched, joining = await rows.run(), await rows.run()
    with hub.subscribe(watched.tenant_id, watched.run_id):
        sweeping = asyncio.get_running_loop().create_task(hub.sweep())
        await asyncio.sleep(0)  # the sweep has chosen its runs and awaits the database
        with hub.subscribe(joining.tenant_id, joining.run_id) as sub:
            await sweeping
            await hub.sweep()  # the joining run is active with nothing stored
            assert await sub.take(0) == []


async def test_started_hub_sweeps_on_its_own(
    make_hub: MakeHub, rows: Rows, executing_run: ExecutingRun
) -> None:
    hub = await make_hub(start=True)
    run = await rows.run()
    task = executing_run()
    with hub.executing(run.tenant_id, run.run_id, task):
        # The cancel is committed but its message never comes (lost, or sent before the run
        # was registered here).
        await rows.request_cancel(run)
        assert await _stopped(task)


# lifecycle


async def test_close_stops_cleanly_and_leaves_no_tasks(make_hub: MakeHub, rows: Rows) -> None:
    before = asyncio.all_tasks()
    hub = await make_hub(start=True)
    run = await rows.run()
    with hub.subscribe(run.tenant_id, run.run_id) as sub:
        hub.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        await asyncio.sleep(SWEEP_SECONDS * 1.5)  # at least one sweep ran
        await asyncio.wait_for(hub.close(), WAIT)
    assert await sub.take(0) == [_batch(1)]
    # Only the hub's own tasks: the session's event loop also runs other fixtures' work
    # (the in-process app's recorder and hub), which may start during this test.
    left = [task for task in asyncio.all_tasks() - before if not task.done() and _from_hub(task)]
    assert left == []


def _from_hub(task: asyncio.Task[Any]) -> bool:
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None)
    return code is not None and code.co_filename.endswith("atrium/runs/hub.py")


# Redis only


async def test_redis_listener_resyncs_readers_when_it_subscribes(
    hub_db: Database, rows: Rows
) -> None:
    """What was published while a process was not subscribed is gone: its readers read the
    database as soon as it is (again) subscribed."""
    _require_redis()
    hub = RedisRunHub(hub_db, REDIS_URL)
    run = await rows.run()
    try:
        with hub.subscribe(run.tenant_id, run.run_id) as sub:
            hub.start()
            assert await _take(sub, 1) == [RESYNC]
    finally:
        await hub.close()


@dataclass(frozen=True)
class RedisReplicas:
    here: RedisRunHub
    there: RedisRunHub


@pytest.fixture
async def redis_pair(hub_db: Database) -> AsyncIterator[RedisReplicas]:
    """Two Redis hubs on a channel of their own: these tests publish what must not reach
    the hubs of other test runs on this Redis."""
    _require_redis()
    channel = f"atrium:runs:test:{uuid.uuid4().hex}"
    here, there = RedisRunHub(hub_db, REDIS_URL), RedisRunHub(hub_db, REDIS_URL)
    for hub in (here, there):
        hub.CHANNEL = channel  # the hub has no setting for it
        hub.start()
    await _hear_each_other(here, there)
    yield RedisReplicas(here, there)
    for hub in (here, there):
        await hub.close()


async def test_redis_listener_skips_a_message_it_cannot_read(
    redis_pair: RedisReplicas, rows: Rows
) -> None:
    run = await rows.run()
    with redis_pair.there.subscribe(run.tenant_id, run.run_id) as sub:
        async with redis.asyncio.Redis.from_url(REDIS_URL) as raw:
            await raw.publish(redis_pair.here.CHANNEL, b"not a hub message")
        redis_pair.here.publish(run.run_id, _batch(1), thread_id=run.thread_id)
        assert await _take(sub, 1, seconds=2.0) == [_batch(1)]


async def test_redis_close_sends_what_was_published_before_it(
    redis_pair: RedisReplicas, rows: Rows
) -> None:
    run = await rows.run()
    batches = [_batch(seq) for seq in range(1, 51)] + [_end(50)]
    with redis_pair.there.subscribe(run.tenant_id, run.run_id) as sub:
        for batch in batches:
            redis_pair.here.publish(run.run_id, batch, thread_id=run.thread_id)
        await redis_pair.here.close()
        assert await _take(sub, len(batches), seconds=1.0) == batches
