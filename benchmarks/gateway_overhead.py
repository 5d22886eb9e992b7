"""How much latency Atrium's OpenAI-compatible gateway adds in front of an upstream.

    .venv/bin/python benchmarks/gateway_overhead.py [--duration S] [--rates 100,500,1000]
                                                    [--stream-rates 100,300,500] [--no-write]
                                                    [--limits on|off] [--redis URL]

What it does (everything on loopback, every loop bounded in count and time):

1. Starts a zero-latency OpenAI-compatible upstream (a raw asyncio + httptools server in a
   child process of this script) that answers `POST /v1/chat/completions` with a fixed
   `chat.completion`, or with a fixed SSE stream when `"stream": true`.
2. Starts `python -m atrium.cli serve` in a temporary ATRIUM_DATA_DIR (its embedded
   PostgreSQL starts with it), pointed at that upstream with ATRIUM_OPENAI_BASE_URL.
   Atrium and its PostgreSQL are pinned to core 0; the upstream and the load generator to
   core 1.
3. Registers a user, moves its tenant to the Premium plan, creates an API key. With
   `--limits on` (the default) the plan's rate limits and monthly budgets are raised in this
   run's database, so every call is counted and reserves and settles its budget but none is
   refused; with `--limits off` the plan has none (A/B: what limits and budgets cost). With
   `--redis URL` the rate limits are kept in Redis, as with several API processes.
4. Runs an open-loop load (requests sent on a fixed schedule, whatever the responses do)
   at each rate, first straight at the upstream (the baseline), then through Atrium
   (model `openai/gpt-4o-mini`), non-streamed and streamed. A level stops early, and the
   higher rates of that target are skipped, once it saturates.
5. Prints a markdown table and rewrites the "Gateway overhead" section of
   benchmarks/RESULTS.md (unless --no-write).

All processes it started are stopped on exit, on Ctrl-C and on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httptools
import psutil
import psycopg

# isort: split
# this folder's shared helpers (see common.py)
from common import (
    busy_seconds,
    cpu_model,
    find_postmaster,
    fmt,
    free_port,
    percentiles,
    premium_api_key,
    replace_section,
    stop_postmaster,
    terminate_on_signal,
)

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop ships with Atrium's dependencies
    uvloop = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "gateway-overhead"  # its part of RESULTS.md, between HTML comments

ATRIUM_CORE = 0
LOAD_CORE = 1
MODEL_VIA_ATRIUM = "openai/gpt-4o-mini"
MODEL_DIRECT = "gpt-4o-mini"
API_KEY = "sk-bench"

# Targets. These are the product's requirements: never relax them here.
TARGET_P99_ADDED_MS = 3.0
TARGET_RATE_PLAIN = 500
TARGET_RATE_STREAM = 300
TARGET_IDLE_RSS_MB = 200.0

# What `--limits` sets on the Premium plan for the run.
PLAN_LIMITS: dict[str, dict[str, int | None]] = {
    "on": {
        "requests_per_minute": 10_000_000,
        "tokens_per_minute": 10_000_000_000,
        "tokens_per_month": 10**13,
        "cost_ceiling_usd_per_month": 1_000_000,
    },
    "off": {
        "requests_per_minute": None,
        "tokens_per_minute": None,
        "tokens_per_month": None,
        "cost_ceiling_usd_per_month": None,
    },
}

REQUEST_TIMEOUT_S = 10.0  # a response slower than this counts as an error
DRAIN_TIMEOUT_S = 10.0  # after a level, wait at most this for what is still in flight
MAX_CONNECTIONS = 256  # the load generator's pool; needing more means the target fell behind
STARTUP_TIMEOUT_S = 180.0
CAPACITY_CONCURRENCY = 8
QUIET_LIMIT = 0.15  # before a level, wait until other processes use under 15% of a core
QUIET_MAX_WAIT_S = 20.0  # ... for at most this long per level
QUIET_MAX_WAIT_TOTAL_S = 120.0  # ... and this long over the whole run (--quiet-wait)


# --------------------------------------------------------------------------------------
# The zero-latency upstream
# --------------------------------------------------------------------------------------

CREATED = 1732221000
RESPONSE_ID = "chatcmpl-bench0000000000000000000000"
UPSTREAM_MODEL = "gpt-4o-mini-2024-07-18"
FINGERPRINT = "fp_b3nch00000"
ANSWER_PIECES = ["The", " capital", " of France", " is", " Paris."]
USAGE = {
    "prompt_tokens": 14,
    "completion_tokens": 7,
    "total_tokens": 21,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 0,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _completion_response() -> bytes:
    body = _dumps(
        {
            "id": RESPONSE_ID,
            "object": "chat.completion",
            "created": CREATED,
            "model": UPSTREAM_MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": "".join(ANSWER_PIECES),
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
            "service_tier": "default",
            "system_fingerprint": FINGERPRINT,
        }
    )
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "x-request-id: req_bench\r\n"
        "openai-processing-ms: 0\r\n"
        "\r\n"
    ).encode()
    return head + body


def _stream_response(include_usage: bool) -> bytes:
    """OpenAI's SSE stream: a role chunk, content chunks, a finish chunk, with
    `include_usage` a usage chunk with empty choices (and `"usage": null` on the others),
    then `data: [DONE]`. Each event is one HTTP chunk."""

    def chunk(choices: list[dict[str, Any]], usage: Any = ...) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": RESPONSE_ID,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": UPSTREAM_MODEL,
            "service_tier": "default",
            "system_fingerprint": FINGERPRINT,
            "choices": choices,
        }
        if usage is not ...:
            out["usage"] = usage
        elif include_usage:
            out["usage"] = None
        return out

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

    events = [chunk([choice({"role": "assistant", "content": "", "refusal": None})])]
    events += [chunk([choice({"content": piece})]) for piece in ANSWER_PIECES]
    events.append(chunk([choice({}, "stop")]))
    if include_usage:
        events.append(chunk([], USAGE))
    frames = [b"data: " + _dumps(e) + b"\n\n" for e in events] + [b"data: [DONE]\n\n"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in frames) + b"0\r\n\r\n"
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/event-stream; charset=utf-8\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"x-request-id: req_bench\r\n"
        b"openai-processing-ms: 0\r\n"
        b"\r\n"
    )
    return head + body


NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
)


class UpstreamProtocol(asyncio.Protocol):
    COMPLETION = _completion_response()
    STREAM = _stream_response(include_usage=False)
    STREAM_USAGE = _stream_response(include_usage=True)

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.transport is not None
        if self.parser.get_method() == b"POST" and self.url.endswith(b"/chat/completions"):
            try:
                request = json.loads(b"".join(self.body))
            except ValueError:
                request = {}
            if request.get("stream") is True:
                options = request.get("stream_options") or {}
                usage = bool(options.get("include_usage"))
                self.transport.write(self.STREAM_USAGE if usage else self.STREAM)
            else:
                self.transport.write(self.COMPLETION)
        else:
            self.transport.write(NOT_FOUND)
        if not self.parser.should_keep_alive():
            self.transport.close()


def serve_upstream(port: int) -> None:
    """Run the upstream until killed (the parent kills it; it also exits when orphaned)."""
    if uvloop is not None:
        uvloop.install()
    parent = os.getppid()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(UpstreamProtocol, "127.0.0.1", port, backlog=1024)
        async with server:
            while os.getppid() == parent:  # noqa: ASYNC110 - bounded by the parent's life
                await asyncio.sleep(1.0)

    asyncio.run(main())


# --------------------------------------------------------------------------------------
# The load generator: open loop, keep-alive connection pool, httptools response parser
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Call:
    scheduled: float  # intended send time (perf_counter)
    measured: bool  # outside the warm-up
    stream: bool
    sent: float = 0.0
    first: float | None = None  # first content chunk (streams)
    done: float | None = None
    status: int = 0
    error: str | None = None
    saw_done: bool = False
    sse: bytearray = field(default_factory=bytearray)
    waiter: asyncio.Future[None] | None = None  # closed-loop callers wait on it


class ClientConnection(asyncio.Protocol):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.call: Call | None = None
        self.alive = True
        self.body_len = 0
        self.tail = b""

    # asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"parse error: {exc}")
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        self.pool.forget(self)
        if self.call is not None:
            self._fail("connection lost")

    # httptools
    def on_message_begin(self) -> None:
        self.body_len = 0
        self.tail = b""

    def on_headers_complete(self) -> None:
        if self.call is not None:
            self.call.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        call = self.call
        if call is None:
            return
        self.body_len += len(body)
        self.tail = (self.tail + body)[-64:]
        if call.stream and call.first is None:
            now = time.perf_counter()
            call.sse += body
            while True:
                end = call.sse.find(b"\n\n")
                if end < 0:
                    break
                event = bytes(call.sse[:end])
                del call.sse[: end + 2]
                if not event.startswith(b"data: ") or event == b"data: [DONE]":
                    continue
                try:
                    choices = json.loads(event[6:]).get("choices") or []
                except ValueError:
                    continue
                if any((c.get("delta") or {}).get("content") for c in choices):
                    call.first = now
                    call.sse = bytearray()
                    break

    def on_message_complete(self) -> None:
        now = time.perf_counter()
        call = self.call
        self.call = None
        if call is not None:
            call.done = now
            if call.status != 200:
                call.error = f"HTTP {call.status}"
            elif call.stream:
                call.saw_done = b"data: [DONE]" in self.tail
                if call.first is None or not call.saw_done:
                    call.error = "incomplete stream"
            elif self.body_len == 0:
                call.error = "empty body"
            self.pool.finished(call)
        if self.alive and self.parser.should_keep_alive():
            self.pool.release(self)
        else:
            self.close()

    def _fail(self, reason: str) -> None:
        call = self.call
        self.call = None
        if call is not None and call.done is None:
            call.done = time.perf_counter()
            call.error = reason
            self.pool.finished(call)

    def send(self, call: Call, payload: bytes) -> None:
        assert self.transport is not None
        self.call = call
        call.sent = time.perf_counter()
        self.transport.write(payload)

    def close(self) -> None:
        self.alive = False
        if self.transport is not None:
            self.transport.close()


class Pool:
    """Keep-alive connections to one host; LIFO so the hot ones stay hot."""

    def __init__(self, port: int, max_connections: int) -> None:
        self.port = port
        self.max = max_connections
        self.idle: list[ClientConnection] = []
        self.all: set[ClientConnection] = set()
        self.connecting = 0
        self.inflight = 0
        self.calls: list[Call] = []

    def forget(self, conn: ClientConnection) -> None:
        self.all.discard(conn)
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)

    def release(self, conn: ClientConnection) -> None:
        self.idle.append(conn)

    def finished(self, call: Call) -> None:
        self.inflight -= 1
        if call.waiter is not None and not call.waiter.done():
            call.waiter.set_result(None)

    def submit(self, call: Call, payload: bytes) -> bool:
        """Send now on an idle connection, or open one; False if the pool is exhausted."""
        while self.idle:
            conn = self.idle.pop()
            if conn.alive:
                self.inflight += 1
                self.calls.append(call)
                conn.send(call, payload)
                return True
        if len(self.all) + self.connecting >= self.max:
            return False
        self.inflight += 1
        self.calls.append(call)
        self.connecting += 1
        asyncio.get_running_loop().create_task(self._connect_and_send(call, payload))
        return True

    async def _connect_and_send(self, call: Call, payload: bytes) -> None:
        loop = asyncio.get_running_loop()
        call.sent = time.perf_counter()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: ClientConnection(self), "127.0.0.1", self.port),
                timeout=5.0,
            )
        except (OSError, TimeoutError) as exc:
            call.done = time.perf_counter()
            call.error = f"connect: {type(exc).__name__}"
            self.finished(call)
            return
        finally:
            self.connecting -= 1
        self.all.add(conn)
        started = call.sent
        conn.send(call, payload)
        call.sent = started  # the connect time counts: the caller waited for it

    def close(self) -> None:
        for conn in list(self.all):
            conn.close()
        self.idle.clear()


def request_bytes(port: int, auth: str, body: dict[str, Any]) -> bytes:
    data = _dumps(body)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {auth}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json\r\n"
        f"Content-Length: {len(data)}\r\n"
        "\r\n"
    ).encode()
    return head + data


def chat_body(model: str, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "max_tokens": 16,
        "temperature": 0,
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


@dataclass
class Level:
    target: str  # "direct" or "atrium"
    mode: str  # "plain" or "stream"
    rate: int
    duration: float
    scheduled: int = 0
    sent: int = 0
    ok: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    dropped: int = 0  # not sent: the connection pool was exhausted
    achieved: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)  # plain: whole; stream: whole
    ttft_ms: dict[str, float] = field(default_factory=dict)  # streams: first content chunk
    lag_p99_ms: float = 0.0  # how late the load generator sent (its own schedule keeping)
    max_connections: int = 0
    aborted: bool = False
    partial: bool = False  # stopped early: figures over every request sent, warm-up included
    ran_s: float = 0.0
    cpu_ms_per_request: float | None = None  # Atrium's CPU per completed request
    cpu_others: float | None = None  # processes not started by this benchmark
    rss_max_mb: float | None = None
    cpu_atrium: float | None = None  # Atrium's process, share of one core during the level
    cpu_core0: float | None = None  # everything on core 0 (Atrium + PostgreSQL + others)
    pg_processes_max: int = 0  # postmaster children alive at once (sampled at 5 Hz)
    pg_processes_seen: int = 0  # distinct ones over the level: more means connection churn
    saturated: bool = False


class Watcher:
    """Samples Atrium's RSS and PostgreSQL's backends; CPU of Atrium and of core 0."""

    def __init__(self, server: psutil.Process, postmaster: psutil.Process | None) -> None:
        self.server = server
        self.postmaster = postmaster
        self.rss_max = 0
        self.backends_seen: set[int] = set()
        self.backends_max = 0
        self._task: asyncio.Task[None] | None = None

    def cpu_seconds(self) -> tuple[float, float]:
        """(Atrium's own CPU seconds, core 0's busy seconds)."""
        atrium = 0.0
        with contextlib.suppress(psutil.Error):
            t = self.server.cpu_times()
            atrium = t.user + t.system
        return atrium, busy_seconds(ATRIUM_CORE)

    def _sample(self) -> None:
        with contextlib.suppress(psutil.Error):
            self.rss_max = max(self.rss_max, self.server.memory_info().rss)
        if self.postmaster is not None:
            with contextlib.suppress(psutil.Error):
                kids = [p.pid for p in self.postmaster.children()]
                self.backends_seen.update(kids)
                self.backends_max = max(self.backends_max, len(kids))

    async def _run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._sample()
            await asyncio.sleep(0.2)

    def start(self, seconds: float) -> None:
        self.rss_max = 0
        self.backends_seen = set()
        self.backends_max = 0
        self._sample()
        self._task = asyncio.get_running_loop().create_task(self._run(seconds))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sample()


async def run_level(
    level: Level,
    port: int,
    payload: bytes,
    warmup: float,
    watcher: Watcher | None,
    others: Others | None = None,
) -> Level:
    pool = Pool(port, MAX_CONNECTIONS)
    stream = level.mode == "stream"
    interval = 1.0 / level.rate
    total = round(level.rate * (warmup + level.duration))
    warm_count = round(level.rate * warmup)
    level.scheduled = total - warm_count
    lags: list[float] = []
    dropped_all = 0
    hard_stop = time.perf_counter() + warmup + level.duration + 5.0

    if watcher is not None:
        watcher.start(warmup + level.duration + DRAIN_TIMEOUT_S + 5)
    cpu0 = watcher.cpu_seconds() if watcher is not None else None
    foreign0 = others.snapshot() if others is not None else None
    cpu_t0 = time.perf_counter()

    start = time.perf_counter() + 0.05
    i = 0
    while i < total:
        now = time.perf_counter()
        if now > hard_stop:
            level.aborted = True
            break
        due = start + i * interval
        if due > now:
            await asyncio.sleep(due - now)
            continue
        # send everything that is due (the event loop's timers are millisecond-grained)
        while i < total and start + i * interval <= now:
            scheduled = start + i * interval
            measured = i >= warm_count
            call = Call(scheduled=scheduled, measured=measured, stream=stream)
            if pool.submit(call, payload):
                lags.append(time.perf_counter() - scheduled)
                if measured:
                    level.sent += 1
            else:
                dropped_all += 1
                if measured:
                    level.dropped += 1
            i += 1
        level.max_connections = max(level.max_connections, len(pool.all) + pool.connecting)
        # saturation: stop the level rather than pile up an unbounded backlog
        if dropped_all > max(20, 0.02 * len(pool.calls)):
            level.aborted = True
            break
        await asyncio.sleep(0)

    sent_until = time.perf_counter()
    level.ran_s = sent_until - start
    drain_deadline = time.perf_counter() + DRAIN_TIMEOUT_S
    while pool.inflight > 0 and time.perf_counter() < drain_deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    cpu_t1 = time.perf_counter()
    cpu1 = watcher.cpu_seconds() if watcher is not None else None
    if others is not None and foreign0 is not None:
        level.cpu_others = others.busy_since(foreign0, cpu_t1 - cpu_t0)
    if watcher is not None:
        await watcher.stop()
        level.rss_max_mb = watcher.rss_max / 2**20
        level.pg_processes_max = watcher.backends_max
        level.pg_processes_seen = len(watcher.backends_seen)
    completed_all = sum(1 for c in pool.calls if c.done is not None and c.error is None)
    if cpu0 is not None and cpu1 is not None:
        span = cpu_t1 - cpu_t0
        level.cpu_atrium = (cpu1[0] - cpu0[0]) / span
        level.cpu_core0 = (cpu1[1] - cpu0[1]) / span
        if completed_all:
            level.cpu_ms_per_request = (cpu1[0] - cpu0[0]) * 1000 / completed_all
    pool.close()
    await asyncio.sleep(0.05)

    # A level stopped early has few measured requests: its figures then cover every request
    # it sent, warm-up included (and are marked so).
    level.partial = level.aborted
    calls = pool.calls if level.partial else [c for c in pool.calls if c.measured]
    latencies: list[float] = []
    ttfts: list[float] = []
    first_sent = min((c.sent for c in calls), default=start)
    last_done = first_sent
    for c in calls:
        if c.done is None:
            c.error = c.error or "timeout (still in flight)"
        elif c.error is None and c.done - c.sent > REQUEST_TIMEOUT_S:
            c.error = "timeout"
        if c.error is not None:
            level.errors += 1
            level.error_kinds[c.error] = level.error_kinds.get(c.error, 0) + 1
            continue
        assert c.done is not None
        level.ok += 1
        latencies.append((c.done - c.sent) * 1000)
        if c.first is not None:
            ttfts.append((c.first - c.sent) * 1000)
        last_done = max(last_done, c.done)
    # whatever could not be sent (the pool was exhausted) is an error
    dropped = dropped_all if level.partial else level.dropped
    level.errors += dropped
    if dropped:
        level.error_kinds["not sent: pool exhausted"] = dropped
    unsent = total - i
    if unsent > 0:
        level.error_kinds["not sent: level stopped"] = unsent
    window = max(last_done - first_sent, 1e-9)
    level.achieved = level.ok / window if level.ok else 0.0
    level.latency_ms = percentiles(latencies)
    level.ttft_ms = percentiles(ttfts)
    level.lag_p99_ms = percentiles([x * 1000 for x in lags]).get("p99", 0.0)
    level.saturated = (
        level.aborted or level.errors > 0 or unsent > 0 or level.achieved < 0.9 * level.rate
    )
    return level


class Others:
    """CPU used by processes this benchmark did not start (the machine may be shared)."""

    def __init__(self, roots: list[psutil.Process]) -> None:
        self.roots = roots  # this process, the upstream, Atrium, the postmaster

    def _mine(self) -> set[int]:
        out: set[int] = set()
        for p in self.roots:
            with contextlib.suppress(psutil.Error):
                out.add(p.pid)
                out.update(c.pid for c in p.children(recursive=True))
        return out

    def snapshot(self) -> dict[int, float]:
        mine = self._mine()
        out: dict[int, float] = {}
        for p in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if p.pid in mine:
                    continue
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
        return out

    def busy_since(self, before: dict[int, float], seconds: float) -> float:
        """Share of one core those processes used since `before`."""
        used = 0.0
        for pid, cpu in self.snapshot().items():
            used += max(0.0, cpu - before.get(pid, 0.0))
        return used / max(seconds, 1e-9)

    async def wait_quiet(self, limit: float, max_wait: float, log: Any) -> float:
        """Wait (at most `max_wait` s) until the others use under `limit` of a core over a
        one-second sample; return what they used in the last sample."""
        deadline = time.monotonic() + max_wait
        busy = 0.0
        for _ in range(int(max_wait) + 2):
            before = self.snapshot()
            t0 = time.perf_counter()
            await asyncio.sleep(1.0)
            busy = self.busy_since(before, time.perf_counter() - t0)
            if busy < limit or time.monotonic() >= deadline:
                break
            log(f"other processes use {busy * 100:.0f}% of a core; waiting for quiet")
        return busy


async def capacity(
    port: int, payload: bytes, stream: bool, concurrency: int, seconds: float
) -> dict[str, Any]:
    """Closed loop: `concurrency` callers, each sending its next request as soon as the
    previous one ends, for `seconds`. What the target can do at most."""
    loop = asyncio.get_running_loop()
    pool = Pool(port, concurrency + 4)
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def caller() -> None:
        for _ in range(1_000_000):  # bounded by the deadline long before this
            if time.perf_counter() >= deadline:
                return
            call = Call(scheduled=time.perf_counter(), measured=True, stream=stream)
            call.waiter = loop.create_future()
            if not pool.submit(call, payload):
                return
            try:
                await asyncio.wait_for(call.waiter, REQUEST_TIMEOUT_S)
            except TimeoutError:
                return

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    drain = time.perf_counter() + DRAIN_TIMEOUT_S
    while pool.inflight > 0 and time.perf_counter() < drain:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    pool.close()
    ok = [c for c in pool.calls if c.error is None and c.done is not None]
    lat = percentiles([(c.done - c.sent) * 1000 for c in ok if c.done is not None])
    return {
        "concurrency": concurrency,
        "seconds": seconds,
        "rate": len(ok) / elapsed,
        "errors": len(pool.calls) - len(ok),
        "p50": lat.get("p50"),
        "p99": lat.get("p99"),
    }


# --------------------------------------------------------------------------------------
# Processes: the upstream, Atrium, PostgreSQL
# --------------------------------------------------------------------------------------


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = exc
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s ({last})")


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"upstream exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"upstream did not listen on {port} within {timeout:.0f} s")


def affinity(pid: int) -> str:
    try:
        return ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
    except OSError:
        return "?"


def last_cpu(pid: int) -> str:
    """The core a process last ran on (field 39 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[36]
    except (OSError, IndexError):
        return "?"


@dataclass
class Processes:
    upstream: subprocess.Popen[bytes] | None = None
    atrium: subprocess.Popen[bytes] | None = None
    postmaster: psutil.Process | None = None
    data_dir: Path | None = None
    log_path: Path | None = None

    def stop(self) -> None:
        for proc, name in ((self.atrium, "atrium"), (self.upstream, "upstream")):
            if proc is None or proc.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print(f"[bench] {name} did not stop on SIGTERM; killing it", file=sys.stderr)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
        if self.postmaster is not None:
            # pgserver stops it with the Atrium process; make sure, by pid
            stop_postmaster(self.postmaster)
        if self.data_dir is not None and self.data_dir.exists():
            shutil.rmtree(self.data_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    mem = psutil.virtual_memory().total / 2**30
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "memory": f"{mem:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def table(levels: list[Level], mode: str) -> list[str]:
    metric = "latency" if mode == "plain" else "time to first content chunk"
    rows = [
        f"| rate /s | target | {metric} P50 / P95 / P99 (ms) | added P50 / P95 / P99 (ms)"
        + (" | whole stream P50 / P99 (ms)" if mode == "stream" else "")
        + " | achieved /s | errors | client lag P99 (ms) | Atrium RSS max (MB) "
        "| CPU: Atrium (ms/request) / all of core 0 | PG processes max / seen "
        "| others' CPU |",
    ]
    cols = rows[0].count("|") - 1
    rows.append("|" + "---|" * cols)
    by_rate: dict[int, dict[str, Level]] = {}
    for lv in levels:
        if lv.mode == mode:
            by_rate.setdefault(lv.rate, {})[lv.target] = lv
    for rate in sorted(by_rate):
        pair = by_rate[rate]
        direct = pair.get("direct")
        for target in ("direct", "atrium"):
            lv = pair.get(target)
            if lv is None:
                continue
            main = lv.latency_ms if mode == "plain" else lv.ttft_ms
            trio = " / ".join(fmt(main.get(k)) for k in ("p50", "p95", "p99")) if main else "-"
            added = "-"
            if target == "atrium" and direct is not None and main:
                base = direct.latency_ms if mode == "plain" else direct.ttft_ms
                if base:
                    added = " / ".join(fmt(main[k] - base[k]) for k in ("p50", "p95", "p99"))
            whole = ""
            if mode == "stream":
                whole = " | " + (
                    f"{fmt(lv.latency_ms.get('p50'))} / {fmt(lv.latency_ms.get('p99'))}"
                    if lv.latency_ms
                    else "-"
                )
            errs = str(lv.errors)
            if lv.error_kinds:
                errs += " (" + ", ".join(f"{k}: {n}" for k, n in lv.error_kinds.items()) + ")"
            sat = " **saturated**" if lv.saturated else ""
            if lv.partial:
                sat += f" (stopped after {lv.ran_s:.1f} s)"
            cpu, pgp = "-", "-"
            if lv.cpu_atrium is not None:
                cpu = (
                    f"{lv.cpu_atrium * 100:.0f}% ({fmt(lv.cpu_ms_per_request)}) / "
                    f"{(lv.cpu_core0 or 0) * 100:.0f}%"
                )
                pgp = f"{lv.pg_processes_max} / {lv.pg_processes_seen}"
            oth = "-" if lv.cpu_others is None else f"{lv.cpu_others * 100:.0f}%"
            mark = " †" if lv.partial else ""
            rows.append(
                f"| {rate} | {target} | {trio}{mark} | {added}{whole} | {lv.achieved:.0f}{sat} "
                f"| {errs} | {fmt(lv.lag_p99_ms)} | {fmt(lv.rss_max_mb, 0)} | {cpu} | {pgp} "
                f"| {oth} |"
            )
    return rows


def find(levels: list[Level], target: str, mode: str, rate: int) -> Level | None:
    for lv in levels:
        if (lv.target, lv.mode, lv.rate) == (target, mode, rate):
            return lv
    return None


def verdicts(levels: list[Level], idle_rss_mb: float) -> list[str]:
    out = []
    for mode, rate, label, key in (
        ("plain", TARGET_RATE_PLAIN, "requests/s non-streamed", "latency_ms"),
        ("stream", TARGET_RATE_STREAM, "streams/s (time to first content chunk)", "ttft_ms"),
    ):
        d, a = find(levels, "direct", mode, rate), find(levels, "atrium", mode, rate)
        what = f"P99 added latency <= {TARGET_P99_ADDED_MS:g} ms at {rate} {label}, no errors"
        if d is None or a is None:
            out.append(f"- {what}: **NOT MEASURED** (level not run)")
            continue
        base, mine = getattr(d, key), getattr(a, key)
        problems = []
        if base and mine:
            added = mine["p99"] - base["p99"]
            if added > TARGET_P99_ADDED_MS:
                problems.append(f"P99 added {added:.2f} ms")
        else:
            problems.append("no successful response through Atrium")
        if a.errors:
            problems.append(f"{a.errors} errors")
        if a.achieved < 0.9 * rate:
            problems.append(f"{a.achieved:.0f}/s delivered of {rate}/s")
        if a.partial:
            problems.append(f"the level was stopped after {a.ran_s:.1f} s: Atrium saturated")
        if d.errors or d.achieved < 0.9 * rate:
            problems.append("the baseline itself did not hold the rate")
        if problems:
            out.append(f"- {what}: **NOT MET** ({'; '.join(problems)})")
        else:
            added = mine["p99"] - base["p99"]
            out.append(
                f"- {what}: **met** (P99 added {added:.2f} ms, 0 errors, "
                f"{a.achieved:.0f}/s delivered)"
            )
    state = "met" if idle_rss_mb < TARGET_IDLE_RSS_MB else "NOT MET"
    out.append(
        f"- idle RSS < {TARGET_IDLE_RSS_MB:g} MB: **{state}** ({idle_rss_mb:.0f} MB right after "
        "start, before any request)"
    )
    return out


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_rates(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def vm_hwm_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=12.0, help="seconds measured per level")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per level")
    parser.add_argument(
        "--rates", default="25,50,100,500,1000", help="non-streamed requests/s, comma-separated"
    )
    parser.add_argument("--stream-rates", default="25,50,100,300,500", help="streams/s")
    parser.add_argument(
        "--capacity-seconds",
        type=float,
        default=5.0,
        help="closed-loop probe of Atrium's most requests/s (0: skip)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=QUIET_MAX_WAIT_TOTAL_S,
        help="most seconds, over the run, spent waiting for other processes to go quiet",
    )
    parser.add_argument(
        "--limits",
        choices=("on", "off"),
        default="on",
        help="on: the Premium plan's limits and monthly budgets are checked on every call "
        "(raised so that they never refuse); off: the plan has no rate limits or budgets",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="ATRIUM_REDIS_URL for Atrium (rate limits in Redis), e.g. redis://127.0.0.1:6379/15",
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--serve-upstream", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
        return 0

    if not 1 <= args.duration <= 120 or not 0 <= args.warmup <= 30:
        parser.error("--duration must be 1..120 s and --warmup 0..30 s")
    rates, stream_rates = parse_rates(args.rates), parse_rates(args.stream_rates)
    if any(not 1 <= r <= 5000 for r in rates + stream_rates):
        parser.error("rates must be 1..5000 per second")
    if (os.cpu_count() or 1) < 2:
        parser.error("needs at least 2 cores (Atrium on core 0, the load on core 1)")

    command = " ".join(["python", "benchmarks/gateway_overhead.py", *sys.argv[1:]])
    os.sched_setaffinity(0, {LOAD_CORE})  # the load generator, and the upstream it spawns
    procs = Processes()
    started_at = dt.datetime.now(dt.UTC)
    try:
        with terminate_on_signal():
            return run(args, rates, stream_rates, procs, command, started_at)
    except KeyboardInterrupt:
        print("\n[bench] interrupted; stopping what it started", file=sys.stderr)
        return 130
    finally:
        procs.stop()


def run(
    args: argparse.Namespace,
    rates: list[int],
    stream_rates: list[int],
    procs: Processes,
    command: str,
    started_at: dt.datetime,
) -> int:
    log = lambda msg: print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)  # noqa: E731

    up_port, atrium_port = free_port(), free_port()
    procs.upstream = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-upstream", str(up_port)],
        start_new_session=True,
    )
    wait_port(up_port, 20, procs.upstream)
    log(
        f"upstream on 127.0.0.1:{up_port} (pid {procs.upstream.pid}, "
        f"cores {affinity(procs.upstream.pid)})"
    )

    procs.data_dir = Path(tempfile.mkdtemp(prefix="atrium-bench-"))
    procs.log_path = procs.data_dir / "atrium.log"
    env = {
        **os.environ,
        "ATRIUM_DATA_DIR": str(procs.data_dir),
        # One API key opens every stream: the per-key cap on open streams (20 by default)
        # would refuse most of them at 300/s, which measures the cap, not the overhead.
        "ATRIUM_MAX_STREAMS_PER_KEY": "10000",
        "ATRIUM_PORT": str(atrium_port),
        "ATRIUM_HOST": "127.0.0.1",
        "ATRIUM_OPENAI_API_KEY": API_KEY,
        "ATRIUM_OPENAI_BASE_URL": f"http://127.0.0.1:{up_port}/v1",
        "ATRIUM_LOG_LEVEL": "warning",
    }
    if args.redis:
        env["ATRIUM_REDIS_URL"] = args.redis
    else:
        env.pop("ATRIUM_REDIS_URL", None)
    env.pop("XDG_RUNTIME_DIR", None)  # Atrium points pgserver's runtime dir into the data dir
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        python = Path(sys.executable)
    t0 = time.monotonic()
    log_file = procs.log_path.open("wb")
    procs.atrium = subprocess.Popen(
        ["taskset", "-c", str(ATRIUM_CORE), str(python), "-m", "atrium.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_http(f"http://127.0.0.1:{atrium_port}/healthz", STARTUP_TIMEOUT_S, procs.atrium)
    startup_s = time.monotonic() - t0
    server = psutil.Process(procs.atrium.pid)  # taskset execs python: same pid
    time.sleep(1.0)
    idle_rss_mb = server.memory_info().rss / 2**20
    log(
        f"Atrium up in {startup_s:.1f} s (pid {server.pid}, cores {affinity(server.pid)}); "
        f"idle RSS {idle_rss_mb:.0f} MB"
    )

    procs.postmaster = find_postmaster(procs.data_dir)
    pg_note = "PostgreSQL not found"
    if procs.postmaster is not None:
        pg = [procs.postmaster, *procs.postmaster.children(recursive=True)]
        before = sorted({affinity(p.pid) for p in pg})
        ran_on = sorted({last_cpu(p.pid) for p in pg})
        pinned = []
        for p in pg:
            r = subprocess.run(
                ["taskset", "-a", "-p", "-c", str(ATRIUM_CORE), str(p.pid)],
                capture_output=True,
                check=False,
            )
            pinned.append(r.returncode == 0)
        after = sorted({affinity(p.pid) for p in pg})
        pg_note = (
            f"PostgreSQL (postmaster pid {procs.postmaster.pid}, {len(pg)} processes) "
            "allowed cores "
            f"{'/'.join(before)} when found (it inherits Atrium's affinity), last ran on core(s) "
            f"{'/'.join(ran_on)}; pinned with `taskset -a -p -c {ATRIUM_CORE}`: "
            f"{'all' if all(pinned) else 'NOT all'} -> cores {'/'.join(after)} (new backends "
            "inherit the postmaster's affinity)"
        )
    log(pg_note)

    # tenant on the Premium plan, with an API key
    key = premium_api_key(f"http://127.0.0.1:{atrium_port}", env)
    # The plan's own allowances (600 requests a minute, 200,000 tokens a minute) would refuse
    # these rates: with limits on, raise them in this run's database before the first /v1
    # call reads them, so the limiter and the budget ledger still do their work on every call
    # (their cost stays in the figures) but never refuse; with limits off, remove them.
    with psycopg.connect(
        host=str((procs.data_dir / "pg").resolve()), dbname="atrium", user="atrium_owner"
    ) as conn:
        conn.execute(
            "UPDATE plans SET limits = limits || %s::jsonb WHERE id = 'premium'",
            (json.dumps(PLAN_LIMITS[args.limits]),),
        )
    log(f"Premium plan, limits {args.limits}: {json.dumps(PLAN_LIMITS[args.limits])}")
    setup_rss_mb = server.memory_info().rss / 2**20
    log(f"tenant on Premium, API key {key[:8]}…; RSS after setup {setup_rss_mb:.0f} MB")

    # check both paths once, in full, before timing anything
    for stream in (False, True):
        got = api_chat(atrium_port, key, chat_body(MODEL_VIA_ATRIUM, stream))
        want = api_chat(up_port, API_KEY, chat_body(MODEL_DIRECT, stream))
        log(
            f"sanity ({'stream' if stream else 'plain'}): atrium {len(got)} B, direct {len(want)} B"
        )

    if uvloop is not None:
        uvloop.install()
    watcher = Watcher(server, procs.postmaster)
    levels: list[Level] = []
    caps: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 9 * 60  # whole run bounded, whatever the options

    others = Others(
        [psutil.Process(), psutil.Process(procs.upstream.pid), server]
        + ([procs.postmaster] if procs.postmaster is not None else [])
    )
    quiet_budget = [min(max(args.quiet_wait, 0.0), 300.0)]

    async def quiet() -> None:
        if quiet_budget[0] <= 0:
            return
        t0 = time.monotonic()
        await others.wait_quiet(QUIET_LIMIT, min(QUIET_MAX_WAIT_S, quiet_budget[0]), log)
        quiet_budget[0] -= time.monotonic() - t0

    def report(lv: Level) -> None:
        main = lv.latency_ms if lv.mode == "plain" else lv.ttft_ms
        extra = ""
        if lv.cpu_atrium is not None:
            extra = (
                f", CPU atrium {lv.cpu_atrium * 100:.0f}% ({fmt(lv.cpu_ms_per_request)} ms/req)"
                f" core0 {(lv.cpu_core0 or 0) * 100:.0f}%, pg procs "
                f"{lv.pg_processes_max}/{lv.pg_processes_seen}"
            )
        log(
            f"{lv.mode} {lv.rate}/s {lv.target}: p50 {fmt(main.get('p50'))} "
            f"p99 {fmt(main.get('p99'))} ms, achieved {lv.achieved:.0f}/s, errors {lv.errors} "
            f"{lv.error_kinds or ''}, lag p99 {lv.lag_p99_ms:.2f} ms, conns {lv.max_connections}"
            f"{extra}, others {fmt((lv.cpu_others or 0) * 100, 0)}%"
            + (" SATURATED" if lv.saturated else "")
        )

    async def campaign() -> None:
        # warm Atrium's code paths and its connection pools before the first level
        for stream, rate in ((False, 50), (True, 30)):
            await run_level(
                Level("atrium", "stream" if stream else "plain", rate, 3.0),
                atrium_port,
                request_bytes(atrium_port, key, chat_body(MODEL_VIA_ATRIUM, stream)),
                0,
                None,
            )
        for mode, mode_rates in (("plain", rates), ("stream", stream_rates)):
            stream = mode == "stream"
            target_rate = TARGET_RATE_STREAM if stream else TARGET_RATE_PLAIN
            payloads = {
                "direct": (
                    up_port,
                    request_bytes(up_port, API_KEY, chat_body(MODEL_DIRECT, stream)),
                ),
                "atrium": (
                    atrium_port,
                    request_bytes(atrium_port, key, chat_body(MODEL_VIA_ATRIUM, stream)),
                ),
            }
            stopped: dict[str, int] = {}
            for rate in sorted(mode_rates):
                for target in ("direct", "atrium"):
                    # past saturation only the rate a target is set at still runs (it stops
                    # early by itself): its verdict needs figures
                    if target in stopped and rate != target_rate:
                        log(f"{mode} {rate}/s {target}: skipped (saturated at {stopped[target]}/s)")
                        continue
                    if time.monotonic() > deadline:
                        log(f"{mode} {rate}/s {target}: skipped (time budget spent)")
                        continue
                    await quiet()
                    port, payload = payloads[target]
                    lv = await run_level(
                        Level(target, mode, rate, args.duration),
                        port,
                        payload,
                        args.warmup,
                        watcher if target == "atrium" else None,
                        others,
                    )
                    levels.append(lv)
                    report(lv)
                    if lv.saturated:
                        stopped.setdefault(target, rate)
                    await asyncio.sleep(1.0)  # let the backlog and the usage writer settle
        if args.capacity_seconds > 0 and time.monotonic() < deadline:
            for stream in (False, True):
                await quiet()
                payload = request_bytes(atrium_port, key, chat_body(MODEL_VIA_ATRIUM, stream))
                cpu0 = watcher.cpu_seconds()
                foreign0 = others.snapshot()
                t0 = time.perf_counter()
                cap = await capacity(
                    atrium_port, payload, stream, CAPACITY_CONCURRENCY, args.capacity_seconds
                )
                span = time.perf_counter() - t0
                cpu1 = watcher.cpu_seconds()
                done = cap["rate"] * cap["seconds"]
                cap["cpu_atrium"] = (cpu1[0] - cpu0[0]) / span
                cap["cpu_core0"] = (cpu1[1] - cpu0[1]) / span
                cap["cpu_ms_per_request"] = (cpu1[0] - cpu0[0]) * 1000 / done if done else None
                cap["cpu_others"] = others.busy_since(foreign0, span)
                caps["stream" if stream else "plain"] = cap
                log(f"capacity ({'stream' if stream else 'plain'}): {cap}")
                await asyncio.sleep(1.0)

    asyncio.run(campaign())

    peak_rss_mb = vm_hwm_mb(server.pid)
    finished_at = dt.datetime.now(dt.UTC)
    log_text = procs.log_path.read_text(errors="replace") if procs.log_path.exists() else ""
    problems = summarise_log(log_text)

    m = machine()
    lines = [
        "## Gateway overhead (OpenAI-compatible `/v1/chat/completions`)"
        + (f": limits and budgets {args.limits}" + (", Redis" if args.redis else "")),
        "",
        f"Run {started_at:%Y-%m-%d %H:%M} to {finished_at:%H:%M} UTC with `{command}` "
        f"(from the repository root, `.venv/bin/python`).",
        "",
        f"- machine: {m['nproc']} cores, {m['cpu']}, {m['memory']} memory, Linux {m['kernel']}, "
        f"Python {m['python']}",
        f"- layout: Atrium (`python -m atrium.cli serve`, one uvicorn process, uvloop + httptools) "
        f"pinned to core {ATRIUM_CORE}; {pg_note}. The zero-latency upstream (raw asyncio + "
        f"httptools, keep-alive) and the open-loop load generator (raw asyncio + httptools, "
        f"keep-alive pool of up to {MAX_CONNECTIONS} connections) on core {LOAD_CORE}",
        f"- each level: {args.warmup:g} s warm-up, then {args.duration:g} s measured; requests "
        "are sent on a fixed schedule whatever the responses do; latency is from the moment a "
        "request is written (including connect time on a new connection) to its last byte; "
        "`client lag` is how late the generator itself sent (its schedule keeping). A level is "
        "saturated when under 90% of the rate is delivered, or any request fails, is late past "
        f"{REQUEST_TIMEOUT_S:g} s or cannot be sent (more than {MAX_CONNECTIONS} in flight); the "
        "higher rates of that target are then skipped, except the rate a target is set at. A "
        "level whose backlog overflows the pool is stopped at once; † marks its figures, which "
        "then cover every request it sent, warm-up included",
        "- `CPU`: Atrium's process as a share of one core over the level, with its CPU time per "
        "completed request in brackets, then everything that ran on core 0 (Atrium, PostgreSQL, "
        "the kernel's share of their work). `PG processes`: PostgreSQL server processes alive "
        "at once (sampled at 5 Hz) / distinct ones seen in the level; more seen than alive means "
        "connections were opened and closed during the level. `others' CPU`: processes this "
        "benchmark did not start (the machine is shared); before each level the run waits, a "
        f"bounded while, until they use under {QUIET_LIMIT * 100:.0f}% of a core",
        f"- through Atrium: model `{MODEL_VIA_ATRIUM}`, `Authorization: Bearer atr_...` "
        "(an API key of "
        "a Premium tenant); direct: the same body with model `gpt-4o-mini`. Streams ask for "
        "`stream_options.include_usage`; the upstream sends a role chunk, 5 content chunks, a "
        "finish chunk, a usage chunk, `[DONE]`",
        f"- Atrium start-up to a healthy `/healthz`: {startup_s:.1f} s (new data dir: initdb + "
        "migrations); RSS idle right after start "
        f"{idle_rss_mb:.0f} MB, after the tenant setup {setup_rss_mb:.0f} MB, peak over the whole "
        f"run (VmHWM) {fmt(peak_rss_mb, 0)} MB",
        "",
        "### Non-streamed",
        "",
        *table(levels, "plain"),
        "",
        "### Streamed (latency column: time to first content chunk)",
        "",
        *table(levels, "stream"),
        "",
        *capacity_lines(caps),
        "### Targets",
        "",
        *verdicts(levels, idle_rss_mb),
        "",
    ]
    if problems:
        lines += ["### Atrium's log during the run (warnings and errors)", "", *problems, ""]
    section = "\n".join(lines)
    print()
    print(section)
    if not args.no_write:
        replace_section(RESULTS, section_name(args), section)
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


def section_name(args: argparse.Namespace) -> str:
    """The run's part of RESULTS.md: one per combination of `--limits` and `--redis`."""
    name = SECTION if args.limits == "on" else f"{SECTION}-limits-off"
    return f"{name}-redis" if args.redis else name


def capacity_lines(caps: dict[str, dict[str, Any]]) -> list[str]:
    if not caps:
        return []
    out = [
        f"### Atrium's capacity on one core (closed loop: {CAPACITY_CONCURRENCY} callers, each "
        "sending its next request when the last one ends)",
        "",
        "| kind | seconds | completed /s | errors | latency P50 / P99 (ms) "
        "| CPU: Atrium (ms/request) / all of core 0 | others' CPU |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, cap in caps.items():
        out.append(
            f"| {'streams (whole stream)' if kind == 'stream' else 'non-streamed'} "
            f"| {cap['seconds']:g} | {cap['rate']:.0f} | {cap['errors']} "
            f"| {fmt(cap['p50'])} / {fmt(cap['p99'])} "
            f"| {cap['cpu_atrium'] * 100:.0f}% ({fmt(cap['cpu_ms_per_request'])}) / "
            f"{cap['cpu_core0'] * 100:.0f}% | {cap['cpu_others'] * 100:.0f}% |"
        )
    return [*out, ""]


def summarise_log(text: str) -> list[str]:
    counts: dict[str, int] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
            level = str(rec.get("level", "")).lower()
            if level not in ("warning", "error", "critical", "exception"):
                continue
            key = f"{level}: {rec.get('event', '?')}"
        except ValueError:
            if not re.search(r"(?i)error|warn|traceback", line):
                continue
            key = line[:160]
        counts[key] = counts.get(key, 0) + 1
    return [f"- `{k}` ({n}x)" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])[:15]]


def api_chat(port: int, key: str, body: dict[str, Any]) -> bytes:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=json.dumps(body).encode(),
        method="POST",
    )
    req.add_header("content-type", "application/json")
    req.add_header("authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"chat on {port}: HTTP {exc.code}: {exc.read()[:500]!r}") from None
    if body.get("stream"):
        if b"data: [DONE]" not in data or b'"content":"The"' not in data:
            raise RuntimeError(f"chat stream on {port} looks wrong: {data[:300]!r}")
    elif json.loads(data)["choices"][0]["message"]["content"] != "".join(ANSWER_PIECES):
        raise RuntimeError(f"chat on {port} looks wrong: {data[:300]!r}")
    return data


if __name__ == "__main__":
    sys.exit(main())
