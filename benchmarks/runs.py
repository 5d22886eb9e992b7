"""Runs through the unmodified LangGraph SDK: start latency, what `wait` adds, throughput,
and many streams held open at once, embedded and scaled out (Redis + separate workers).

    .venv/bin/python benchmarks/runs.py [--no-write] [--quick]

What it does (loopback only; every loop is bounded in count and time; the whole run in
about 11 minutes at most):

A. Embedded shape, `atrium serve` alone (embedded PostgreSQL, workers in process), defaults
   except ATRIUM_SCRIPTED_MODELS=true:
   1. run start latency: sequential `client.runs.stream(...)` on `scripted/fast`, each on a
      fresh thread: request -> first SSE event (`metadata`) and -> first `messages` event;
   2. `runs.wait` against the run's own life: wall time of `runs.wait` minus
      (`updated_at` - `created_at`) of that run (`GET /threads/{tid}/runs/{rid}`);
   3. throughput: 10 and 50 concurrent clients (one SDK client each), each looping
      `runs.wait` on its own thread for ~20 s.
B. Embedded shape restarted with ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS=1.0 (and
   ATRIUM_RUN_CONCURRENCY=1000 so that every held run executes at once):
   4. held streams: C concurrent `runs.stream` on `scripted/slow` (~15 s each), C = 100,
      300, 1000 (escalation stops at the first level with errors), counting errors and lost
      tokens (each stream must reassemble exactly the 15-word reply), with the server's
      peak memory and CPU.
C. Scale-out shape: fresh data dir, `atrium serve` with ATRIUM_WORKERS_IN_PROCESS=false and
   ATRIUM_REDIS_URL, plus two `atrium worker` processes with the same environment (same
   ATRIUM_DATA_DIR: they attach to the same embedded PostgreSQL; ATRIUM_RUN_CONCURRENCY=500
   each): a smaller 1 and 2, 3 for ~10 s per level, and 4 at 100 then straight to 1,000.

Prints a markdown report and writes it to benchmarks/runs-results.md (unless --no-write).
Server stdout/stderr go to log files under /tmp/atrium-runs-bench-<time>/ (kept), and the
report summarises them. Every process it started is stopped on exit, on errors and on
Ctrl-C/SIGTERM (and the embedded PostgreSQL by pid, should it outlive Atrium).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

# isort: split
# this folder's shared helpers (see common.py)
from common import (
    busy_seconds,
    cpu_model,
    find_postmaster,
    free_port,
    percentiles,
    premium_api_key,
    stop_postmaster,
    terminate_on_signal,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "runs-results.md"
REPLY = "This is a scripted reply from Atrium's benchmark model, streamed word by word."
REPLY_WORDS = len(REPLY.split(" "))  # 15
INPUT = {"messages": [{"role": "user", "content": "hi"}]}
STREAM_MODE = ["messages-tuple", "values"]

# Targets: the product's requirements. Never relax them here.
TARGET_FIRST_EVENT_P50_MS = 10.0
TARGET_WAIT_ADDED_MS = 10.0  # judged on the median; P95/P99 are reported next to it
TARGET_HELD_STREAMS = 1000

BUDGET_S = 11.0 * 60  # the whole run, whatever the options (plus at most 45 s to stop)
STARTUP_TIMEOUT_S = 120.0
FAST_TIMEOUT_S = 3.0  # a scripted/fast run normally ends in ~0.1 s; 3 s without end = hung
WAIT_TIMEOUT_LOAD_S = 10.0  # runs.wait under concurrent load
SLOW_DELAY_HELD = 1.0
HELD_LEVELS = (100, 300, 1000)
REDIS_URL = "redis://127.0.0.1:6379/13"
STOP_GRACE_S = 35.0  # uvicorn's graceful shutdown is 30 s


def log(msg: str) -> None:
    print(f"[runs-bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------


def f(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def pcols(p: dict[str, float], digits: int = 1) -> str:
    if not p:
        return "- | - | - | -"
    return " | ".join(f(p[k], digits) for k in ("p50", "p95", "p99", "max"))


def err_text(kinds: Counter[str]) -> str:
    if not kinds:
        return "0"
    return f"{sum(kinds.values())} (" + "; ".join(f"{k}: {v}" for k, v in kinds.most_common()) + ")"


def classify(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, httpx.HTTPStatusError):
        body = exc.response.text[:120] if exc.response is not None else ""
        return f"HTTP {exc.response.status_code} {body}".strip()
    text = str(exc)[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------------------
# Processes: Atrium API, workers, the embedded PostgreSQL
# --------------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stop_seconds: float | None = None
    exit_code: int | None = None


@dataclass
class Shape:
    """One Atrium deployment: an API process, maybe workers, one embedded PostgreSQL."""

    label: str
    data_dir: Path
    log_dir: Path
    env: dict[str, str]
    port: int
    procs: list[Proc] = field(default_factory=list)
    postmaster: psutil.Process | None = None
    postmaster_outlived: list[str] = field(default_factory=list)
    startup_s: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self) -> Proc:
        return self.procs[0]

    def workers(self) -> list[Proc]:
        return self.procs[1:]

    def spawn(self, name: str, args: list[str]) -> Proc:
        python = ROOT / ".venv" / "bin" / "python"
        if not python.exists():
            python = Path(sys.executable)
        log_path = self.log_dir / f"{name}.log"
        fh = log_path.open("ab")
        popen = subprocess.Popen(
            [str(python), "-m", "atrium.cli", *args],
            cwd=ROOT,
            env=self.env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        fh.close()
        proc = Proc(name, popen, log_path)
        self.procs.append(proc)
        return proc

    def start_api(self) -> None:
        t0 = time.monotonic()
        proc = self.spawn(f"{self.label}-api", ["serve"])
        deadline = t0 + STARTUP_TIMEOUT_S
        while True:
            if proc.popen.poll() is not None:
                raise RuntimeError(
                    f"{proc.name} exited with {proc.popen.returncode}; see {proc.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{proc.name} did not answer /healthz in time")
            time.sleep(0.2)
        self.startup_s = time.monotonic() - t0
        self.postmaster = find_postmaster(self.data_dir)

    def start_worker(self, index: int) -> None:
        self.spawn(f"{self.label}-worker{index}", ["worker"])

    def check_alive(self) -> list[str]:
        return [
            f"{p.name} exited with {p.popen.returncode}"
            for p in self.procs
            if p.popen.poll() is not None and p.stop_seconds is None
        ]

    def stop(self) -> None:
        """SIGTERM every process group (workers first), wait, SIGKILL what is left, then make
        sure the embedded PostgreSQL is gone too (by pid)."""
        order = [*self.workers(), *self.procs[:1]]
        t0 = time.monotonic()
        for p in order:
            if p.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.popen.pid, signal.SIGTERM)
        for p in order:
            if p.stop_seconds is not None:
                continue
            try:
                p.popen.wait(timeout=max(0.1, STOP_GRACE_S - (time.monotonic() - t0)))
            except subprocess.TimeoutExpired:
                log(f"{p.name} did not stop on SIGTERM in {STOP_GRACE_S:.0f} s; killing it")
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.popen.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.popen.wait(timeout=10)
            p.stop_seconds = time.monotonic() - t0
            p.exit_code = p.popen.returncode
        pm = self.postmaster or find_postmaster(self.data_dir)
        if pm is not None:
            with contextlib.suppress(psutil.Error):
                # pgserver is meant to stop it when the last Atrium process exits
                try:
                    pm.wait(timeout=5)
                except psutil.TimeoutExpired:
                    self.postmaster_outlived.append(
                        f"PostgreSQL (pid {pm.pid}) still running 5 s after every Atrium "
                        "process of this shape had exited; stopped by the benchmark"
                    )
                    stop_postmaster(pm)


class Cleanup:
    def __init__(self) -> None:
        self.shapes: list[Shape] = []
        self.dirs: list[Path] = []

    def run(self) -> None:
        for shape in reversed(self.shapes):
            with contextlib.suppress(Exception):
                shape.stop()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


async def scripted_assistants(client: LangGraphClient) -> tuple[str, str]:
    """Two assistants of the `agent` graph: on scripted/fast and on scripted/slow."""
    ids = []
    for model in ("scripted/fast", "scripted/slow"):
        created = await client.assistants.create(graph_id="agent", context={"model": model})
        ids.append(str(created["assistant_id"]))
    return ids[0], ids[1]


# --------------------------------------------------------------------------------------
# Resource sampling
# --------------------------------------------------------------------------------------


class Sampler:
    """RSS (PSS for PostgreSQL, whose shared buffers every backend maps) and CPU of each
    group of processes: the API process, the workers, PostgreSQL, this client."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.me = psutil.Process()
        self._task: asyncio.Task[None] | None = None
        self._probe: asyncio.Task[None] | None = None
        self.health_ms: list[float] = []
        self.health_errors = 0
        self.reset()

    def connect_postgres(self) -> psycopg.Connection[Any]:
        """The shape's embedded PostgreSQL, as its superuser (past row-level security)."""
        return psycopg.connect(
            host=str((self.shape.data_dir / "pg").resolve()),
            user="postgres",
            dbname="atrium",
            connect_timeout=5,
        )

    def pg_counters(self) -> tuple[int, int] | None:
        """(transactions, rows inserted) of the `atrium` database so far."""
        try:
            with self.connect_postgres() as conn:
                row = conn.execute(
                    "SELECT xact_commit + xact_rollback, tup_inserted FROM pg_stat_database "
                    "WHERE datname = 'atrium'"
                ).fetchone()
                return (int(row[0]), int(row[1])) if row else None
        except Exception:
            return None

    def run_breakdown(self, since: dt.datetime) -> dict[str, Any]:
        """Read straight from PostgreSQL (as its superuser, so past row-level security): how
        long the runs created since `since` waited in the queue (created_at -> started_at)
        and executed (started_at -> finished_at), and how they ended."""
        try:
            with self.connect_postgres() as conn:
                rows = conn.execute(
                    "SELECT status, EXTRACT(EPOCH FROM started_at - created_at) * 1000, "
                    "EXTRACT(EPOCH FROM finished_at - started_at) * 1000 FROM runs "
                    "WHERE created_at >= %s",
                    (since,),
                ).fetchall()
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
        return {
            "status": Counter(str(r[0]) for r in rows),
            "queued": percentiles([float(r[1]) for r in rows if r[1] is not None]),
            "executing": percentiles([float(r[2]) for r in rows if r[2] is not None]),
        }

    def statuses(self, run_ids: list[str | None]) -> Counter[str]:
        """Status of runs by id, read straight from PostgreSQL (no load on the API)."""
        out: Counter[str] = Counter()
        ids = [r for r in run_ids if r]
        if len(ids) < len(run_ids):
            out["run id unknown"] = len(run_ids) - len(ids)
        if not ids:
            return out
        try:
            with self.connect_postgres() as conn:
                rows = conn.execute(
                    "SELECT status, count(*) FROM runs WHERE id::text = ANY(%s) GROUP BY status",
                    (ids,),
                ).fetchall()
        except Exception as exc:
            out[f"unreadable ({type(exc).__name__})"] += len(ids)
            return out
        found = 0
        for status, n in rows:
            out[str(status)] += int(n)
            found += int(n)
        if found < len(ids):
            out["not found"] += len(ids) - found
        return out

    async def _health(self) -> None:
        """The API's responsiveness (its event loop's lag, mostly): GET /healthz twice a
        second on a connection of its own."""
        async with httpx.AsyncClient(base_url=self.shape.url, timeout=30) as http:
            while True:
                t0 = time.perf_counter()
                try:
                    r = await http.get("/healthz")
                    if r.status_code == 200:
                        self.health_ms.append((time.perf_counter() - t0) * 1000)
                    else:
                        self.health_errors += 1
                except httpx.HTTPError:
                    self.health_errors += 1
                await asyncio.sleep(max(0.0, 0.5 - (time.perf_counter() - t0)))

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups: dict[str, list[psutil.Process]] = {"api": [], "workers": [], "postgres": []}
        for i, p in enumerate(self.shape.procs):
            if p.popen.poll() is not None:
                continue
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(p.popen.pid)
                procs = [root, *root.children(recursive=True)]
                groups["api" if i == 0 else "workers"].extend(procs)
        pm = self.shape.postmaster
        if pm is not None:
            with contextlib.suppress(psutil.Error):
                groups["postgres"] = [pm, *pm.children()]
        groups["client"] = [self.me]
        return groups

    def reset(self) -> None:
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.peak: dict[str, float] = {}
        self.pg_backends_max = 0
        self.t0 = time.monotonic()
        self.busy0 = busy_seconds()
        self.t1 = self.t0
        self.busy1 = self.busy0
        self.n = 0

    def sample(self) -> None:
        full = self.n % 4 == 0  # PostgreSQL's PSS once a second (smaps is not free)
        self.n += 1
        for group, procs in self._groups().items():
            total = 0
            for p in procs:
                try:
                    with p.oneshot():
                        ct = p.cpu_times()
                        cpu = ct.user + ct.system
                        if group == "postgres":
                            mem = p.memory_full_info().pss if full else 0
                        else:
                            mem = p.memory_info().rss
                except psutil.Error:
                    continue
                key = (group, p.pid)
                self.first.setdefault(key, cpu)
                self.last[key] = cpu
                total += mem
            if group == "postgres":
                self.pg_backends_max = max(self.pg_backends_max, max(0, len(procs) - 1))
                if not full:
                    continue
            self.peak[group] = max(self.peak.get(group, 0.0), total / 2**20)
        self.t1 = time.monotonic()
        self.busy1 = busy_seconds()

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.25)

    def start(self) -> None:
        self.reset()
        self.pg0 = self.pg_counters()
        self.health_ms, self.health_errors = [], 0
        self.sample()
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run())
        self._probe = loop.create_task(self._health())

    async def stop(self) -> dict[str, Any]:
        for task in (self._task, self._probe):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.sample()
        pg1 = self.pg_counters()
        wall = max(self.t1 - self.t0, 1e-6)
        pg_rates = None
        if self.pg0 is not None and pg1 is not None:
            pg_rates = ((pg1[0] - self.pg0[0]) / wall, (pg1[1] - self.pg0[1]) / wall)
        cpu: dict[str, float] = {}
        for (group, _pid), last in self.last.items():
            cpu[group] = cpu.get(group, 0.0) + last - self.first[(group, _pid)]
        machine = (self.busy1 - self.busy0) / wall * 100
        ours = sum(cpu.values()) / wall * 100
        return {
            "wall_s": wall,
            "cpu_pct": {g: c / wall * 100 for g, c in cpu.items()},  # % of one core
            "peak_mb": dict(self.peak),
            "pg_backends_max": self.pg_backends_max,
            "machine_pct": machine,  # % of one core, all cores together
            "others_pct": max(0.0, machine - ours),
            "pg_tx_s": pg_rates[0] if pg_rates else None,
            "pg_inserts_s": pg_rates[1] if pg_rates else None,
            "health": percentiles(self.health_ms),
            "health_errors": self.health_errors,
        }


def resources_text(r: dict[str, Any]) -> str:
    c, m = r["cpu_pct"], r["peak_mb"]
    parts = [f"API {f(m.get('api'), 0)} MB / {f(c.get('api'), 0)}%"]
    if m.get("workers"):
        parts.append(f"workers {f(m.get('workers'), 0)} MB / {f(c.get('workers'), 0)}%")
    parts.append(
        f"PostgreSQL {f(m.get('postgres'), 0)} MB PSS / {f(c.get('postgres'), 0)}% "
        f"({r['pg_backends_max']} backends max)"
    )
    parts.append(f"client {f(c.get('client'), 0)}%")
    parts.append(f"others {f(r['others_pct'], 0)}%")
    return "; ".join(parts)


def breakdown_text(b: dict[str, Any] | None) -> str:
    if not b:
        return "-"
    if "error" in b:
        return f"unreadable ({b['error'][:80]})"
    q, e = b["queued"], b["executing"]
    status = ", ".join(f"{k} {v}" for k, v in b["status"].most_common())
    return (
        f"queued P50 {f(q.get('p50'), 0)} / P95 {f(q.get('p95'), 0)} / max "
        f"{f(q.get('max'), 0)} ms; executing P50 {f(e.get('p50'), 0)} / P95 "
        f"{f(e.get('p95'), 0)} / max {f(e.get('max'), 0)} ms; runs: {status}"
    )


def pg_text(r: dict[str, Any]) -> str:
    h = r["health"]
    health = (
        f"/healthz P50 {f(h.get('p50'), 0)} ms, max {f(h.get('max'), 0)} ms"
        + (f", {r['health_errors']} failed" if r["health_errors"] else "")
        if h
        else f"/healthz: no answer ({r['health_errors']} failed)"
    )
    return f"{f(r['pg_tx_s'], 0)} tx/s, {f(r['pg_inserts_s'], 0)} rows inserted/s; {health}"


# --------------------------------------------------------------------------------------
# Client side: one stream, one wait
# --------------------------------------------------------------------------------------


@dataclass
class StreamResult:
    first_event_ms: float | None = None
    first_token_ms: float | None = None
    last_event_ms: float | None = None
    text: str = ""
    tokens: int = 0
    error: str | None = None
    run_id: str | None = None
    first_event_name: str | None = None

    @property
    def intact(self) -> bool:
        return self.text == REPLY and self.tokens == REPLY_WORDS


@dataclass
class Gauge:
    open: int = 0
    peak: int = 0

    def up(self) -> None:
        self.open += 1
        self.peak = max(self.peak, self.open)

    def down(self) -> None:
        self.open -= 1


async def one_stream(
    client: LangGraphClient,
    thread_id: str,
    assistant_id: str,
    timeout: float,
    gauge: Gauge | None = None,
) -> StreamResult:
    res = StreamResult()
    pieces: list[str] = []
    holding = False

    def created(meta: Any) -> None:
        res.run_id = str(meta.get("run_id")) if isinstance(meta, dict) else None

    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            stream = client.runs.stream(
                thread_id,
                assistant_id,
                input=INPUT,
                stream_mode=STREAM_MODE,
                on_run_created=created,
            )
            async with contextlib.aclosing(stream) as parts:
                async for part in parts:
                    now = (time.perf_counter() - t0) * 1000
                    if res.first_event_ms is None:
                        res.first_event_ms = now
                        res.first_event_name = part.event
                        if gauge is not None:
                            gauge.up()
                            holding = True
                    res.last_event_ms = now
                    if part.event == "messages":
                        data = part.data
                        chunk = data[0] if isinstance(data, list) and data else {}
                        content = chunk.get("content") if isinstance(chunk, dict) else None
                        if isinstance(content, str) and content:
                            if res.first_token_ms is None:
                                res.first_token_ms = now
                            pieces.append(content)
                            res.tokens += 1
                    elif part.event == "error":
                        res.error = f"error event: {json.dumps(part.data)[:120]}"
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            raise
        res.error = (
            classify(exc)
            if not isinstance(exc, TimeoutError)
            else (f"no end within {timeout:.0f} s")
        )
    finally:
        if holding and gauge is not None:
            gauge.down()
    res.text = "".join(pieces)
    if res.error is None and res.first_event_name != "metadata":
        res.error = (
            "stream ended without any event"
            if res.first_event_name is None
            else f"first event was {res.first_event_name!r}, not 'metadata'"
        )
    if res.error is None and not res.intact:
        res.error = "reply not intact"
    return res


def output_reply(output: Any) -> str | None:
    with contextlib.suppress(Exception):
        return str(output["messages"][-1]["content"])
    return None


@dataclass
class WaitResult:
    wall_ms: float
    error: str | None = None
    run_id: str | None = None


async def one_wait(
    client: LangGraphClient, thread_id: str, assistant_id: str, timeout: float
) -> WaitResult:
    holder: dict[str, str] = {}

    def created(meta: Any) -> None:
        if isinstance(meta, dict):
            holder["run_id"] = str(meta.get("run_id"))

    t0 = time.perf_counter()
    error = None
    try:
        async with asyncio.timeout(timeout):
            out = await client.runs.wait(
                thread_id, assistant_id, input=INPUT, on_run_created=created
            )
        if output_reply(out) != REPLY:
            error = "wrong output"
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            raise
        error = (
            f"no answer within {timeout:.0f} s"
            if isinstance(exc, TimeoutError)
            else (classify(exc))
        )
    return WaitResult((time.perf_counter() - t0) * 1000, error, holder.get("run_id"))


def parse_ts(value: str) -> float:
    return dt.datetime.fromisoformat(value).timestamp()


async def make_threads(client: LangGraphClient, n: int, concurrency: int = 20) -> list[str]:
    sem = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with sem:
            for attempt in range(3):
                try:
                    async with asyncio.timeout(60):
                        t = await client.threads.create()
                    return str(t["thread_id"])
                except httpx.TransportError:  # e.g. a keep-alive connection the server closed
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    return list(await asyncio.gather(*(one() for _ in range(n))))


# --------------------------------------------------------------------------------------
# The measurements
# --------------------------------------------------------------------------------------


async def measure_start_latency(
    client: LangGraphClient, aid: str, n: int, warmup: int, sampler: Sampler
) -> dict[str, Any]:
    """1. Sequential streams, each on a fresh thread (created beforehand, not timed)."""
    threads: list[str] = []
    creates: list[float] = []
    for _ in range(n + warmup):  # sequential and timed: a write request, for scale
        t0 = time.perf_counter()
        threads.append(str((await client.threads.create())["thread_id"]))
        creates.append((time.perf_counter() - t0) * 1000)
    for tid in threads[:warmup]:
        await one_stream(client, tid, aid, FAST_TIMEOUT_S)
    # a trivial authenticated SDK request, for scale: the floor under any run request
    base: list[float] = []
    for _ in range(min(n, 50)):
        t0 = time.perf_counter()
        await client.threads.get(threads[0])
        base.append((time.perf_counter() - t0) * 1000)
    results: list[StreamResult] = []
    for tid in threads[warmup:]:
        results.append(await one_stream(client, tid, aid, FAST_TIMEOUT_S))
    stuck = sampler.statuses([r.run_id for r in results if r.error])
    errors = Counter(r.error for r in results if r.error)
    return {
        "n": n,
        "first_event": percentiles(
            [r.first_event_ms for r in results if r.first_event_ms is not None]
        ),
        "first_token": percentiles(
            [r.first_token_ms for r in results if r.first_token_ms is not None]
        ),
        "last_event": percentiles(
            [r.last_event_ms for r in results if r.last_event_ms and not r.error]
        ),
        "baseline_get": percentiles(base),
        "baseline_create": percentiles(creates),
        "errors": errors,
        "stuck_status": stuck,
        "ok": sum(1 for r in results if not r.error),
    }


async def measure_wait(
    client: LangGraphClient, aid: str, n: int, timeout: float, label: str, sampler: Sampler
) -> dict[str, Any]:
    """2. runs.wait wall time minus the run's own life (updated_at - created_at)."""
    threads = await make_threads(client, n + 3)
    for tid in threads[:3]:  # warm-up
        await one_wait(client, tid, aid, timeout)
    walls: list[float] = []
    added: list[float] = []
    lives: list[float] = []
    errors: Counter[str] = Counter()
    failed: list[str | None] = []
    for tid in threads[3:]:
        w = await one_wait(client, tid, aid, timeout)
        if w.error:
            errors[w.error] += 1
            failed.append(w.run_id)
            continue
        if not w.run_id:
            errors["no run id in Content-Location"] += 1
            continue
        run = await client.runs.get(tid, w.run_id)
        life = (parse_ts(run["updated_at"]) - parse_ts(run["created_at"])) * 1000
        walls.append(w.wall_ms)
        lives.append(life)
        added.append(w.wall_ms - life)
    return {
        "label": label,
        "n": n,
        "wall": percentiles(walls),
        "life": percentiles(lives),
        "added": percentiles(added),
        "added_over_450": sum(1 for a in added if a > 450),
        "errors": errors,
        "stuck_status": sampler.statuses(failed),
    }


async def measure_throughput(
    clients: list[LangGraphClient], aid: str, duration: float, sampler: Sampler
) -> dict[str, Any]:
    """3. Each client loops runs.wait on its own thread; completions inside the window."""
    n = len(clients)
    threads = await make_threads(clients[0], n)
    latencies: list[float] = []
    done_in_window = 0
    errors: Counter[str] = Counter()
    since = dt.datetime.now(dt.UTC)
    sampler.start()
    t_start = time.perf_counter()
    end = t_start + duration

    async def worker(i: int) -> None:
        nonlocal done_in_window
        c, tid = clients[i], threads[i]
        while time.perf_counter() < end:
            w = await one_wait(c, tid, aid, WAIT_TIMEOUT_LOAD_S)
            if w.error:
                errors[w.error] += 1
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(10):
                        tid = str((await c.threads.create())["thread_id"])
                continue
            if time.perf_counter() <= end:
                done_in_window += 1
                latencies.append(w.wall_ms)

    await asyncio.gather(*(worker(i) for i in range(n)))
    res = await sampler.stop()
    return {
        "runs": sampler.run_breakdown(since),
        "clients": n,
        "duration": duration,
        "completed": done_in_window,
        "rps": done_in_window / duration,
        "latency": percentiles(latencies),
        "errors": errors,
        "resources": res,
        "tail_s": time.perf_counter() - end,
    }


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SDK_WARNINGS: Counter[str] = Counter()


def count_warning(message: Any, category: Any, filename: str, lineno: int, *_: Any) -> None:
    """The SDK warns when it reconnects a stream without a Last-Event-ID: count them."""
    SDK_WARNINGS[f"{category.__name__}: {str(message)[:110]}"] += 1


def shared_client(url: str, api_key: str, connections: int) -> tuple[LangGraphClient, Counter[str]]:
    """One LangGraph SDK client for many streams: get_client's own headers (x-api-key from
    `api_key=`) and timeouts, on an httpx pool big enough for every stream at once. (One
    get_client per stream costs ~34 ms and ~0.8 MB each here: its own SSL context.)
    Also counts the requests the SDK makes, by method and path shape (its reconnects of
    broken streams show up as GET .../runs/{id}/stream)."""
    template = get_client(url=url, api_key=api_key)
    requests: Counter[str] = Counter()

    async def on_request(request: httpx.Request) -> None:
        requests[f"{request.method} {_UUID.sub('{id}', request.url.path)}"] += 1

    http = httpx.AsyncClient(
        event_hooks={"request": [on_request]},
        base_url=url,
        transport=httpx.AsyncHTTPTransport(
            retries=5,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        ),
        timeout=httpx.Timeout(connect=30, read=300, write=300, pool=60),
        headers=template.http.client.headers,
    )
    return LangGraphClient(http), requests


async def measure_held(
    client: LangGraphClient, aid: str, c: int, sampler: Sampler, timeout: float
) -> dict[str, Any]:
    """4. C streams opened at once on scripted/slow, each held until its reply ends."""
    t0 = time.perf_counter()
    threads = await make_threads(client, c, concurrency=25)
    threads_s = time.perf_counter() - t0
    gauge = Gauge()
    since = dt.datetime.now(dt.UTC)
    sampler.start()
    t1 = time.perf_counter()
    results = await asyncio.gather(
        *(one_stream(client, tid, aid, timeout, gauge) for tid in threads)
    )
    wall = time.perf_counter() - t1
    res = await sampler.stop()
    errors = Counter(r.error for r in results if r.error and r.error != "reply not intact")
    not_intact = [r for r in results if not r.intact]
    lost = [r for r in results if r.error == "reply not intact"]  # ended, but not whole
    cut = [r for r in results if r.error and r.error != "reply not intact" and not r.intact]
    missing = sum(max(0, REPLY_WORDS - r.tokens) for r in results)
    extra = sum(max(0, r.tokens - REPLY_WORDS) for r in results)
    stuck = sampler.statuses([r.run_id for r in results if r.error and "no end" in r.error])
    lost_status = sampler.statuses([r.run_id for r in lost])
    lost_tail = sum(1 for r in lost if REPLY.startswith(r.text))  # only the end is missing
    return {
        "lost_status": lost_status,
        "lost_tail": lost_tail,
        "runs": sampler.run_breakdown(since),
        "c": c,
        "threads_s": threads_s,
        "wall_s": wall,
        "ok": sum(1 for r in results if not r.error),
        "errors": errors,
        "not_intact": len(not_intact),
        "lost_streams": len(lost),
        "lost_tokens": sum(max(0, REPLY_WORDS - r.tokens) for r in lost),
        "cut_streams": len(cut),
        "cut_tokens": sum(max(0, REPLY_WORDS - r.tokens) for r in cut),
        "all_tokens_no_end": sum(1 for r in results if r.error and r.intact),
        "tokens_missing": missing,
        "tokens_extra": extra,
        "first_event": percentiles(
            [r.first_event_ms for r in results if r.first_event_ms is not None]
        ),
        "first_token": percentiles(
            [r.first_token_ms for r in results if r.first_token_ms is not None]
        ),
        "duration": percentiles(
            [r.last_event_ms / 1000 for r in results if r.last_event_ms and not r.error]
        ),
        "peak_open": gauge.peak,
        "resources": res,
        "stuck_status": stuck,
        "timeout": timeout,
    }


# --------------------------------------------------------------------------------------
# Server logs
# --------------------------------------------------------------------------------------

_NORMALISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"0x[0-9a-f]+"), "0x…"),
    (re.compile(r"\[\d+\]"), "[n]"),
    (re.compile(r"lasted \d+\.\d+ s"), "lasted … s"),
    (re.compile(r"\d+\.\d+"), "…"),
]


def normalise(text: str) -> str:
    for rx, rep in _NORMALISE:
        text = rx.sub(rep, text)
    return text


def exception_tail(exc: str) -> str:
    lines = [ln for ln in exc.strip().splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Violation|Exceeded|Timeout|Cancelled)\b", ln.strip()):
            return ln.strip()[:200]
    return lines[-1].strip()[:200] if lines else ""


@dataclass
class LogMark:
    offsets: dict[Path, int]


def log_mark(shape: Shape) -> LogMark:
    return LogMark(
        {p.log_path: p.log_path.stat().st_size for p in shape.procs if p.log_path.exists()}
    )


def log_summary(shape: Shape, since: LogMark | None) -> Counter[str]:
    counts: Counter[str] = Counter()
    for p in shape.procs:
        if not p.log_path.exists():
            continue
        start = since.offsets.get(p.log_path, 0) if since else 0
        with p.log_path.open("rb") as fh:
            fh.seek(start)
            data = fh.read(50_000_000)
        role = "worker" if "worker" in p.name else "api"
        for raw in data.decode(errors="replace").splitlines():
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                if raw.startswith(("  ", "\t")):
                    continue
                counts[f"{role} | (not JSON) {normalise(raw.strip())[:140]}"] += 1
                continue
            if not isinstance(rec, dict):
                continue
            level = rec.get("level", "?")
            event = normalise(str(rec.get("event", "")).splitlines()[0])[:140]
            exc = rec.get("exception")
            tail = f" -> {normalise(exception_tail(exc))}" if isinstance(exc, str) else ""
            counts[f"{role} | {level} | {rec.get('logger', '?')} | {event}{tail}"] += 1
    return counts


BACKTICK, QUOTE = "`", "'"


def log_lines(counts: Counter[str], limit: int = 15) -> list[str]:
    if not counts:
        return ["(nothing at warning level or above)"]
    out = [f"- {n} × `{k.replace(BACKTICK, QUOTE)}`" for k, n in counts.most_common(limit)]
    if len(counts) > limit:
        out.append(f"- … and {len(counts) - limit} other kinds")
    return out


# --------------------------------------------------------------------------------------
# The campaign
# --------------------------------------------------------------------------------------


@dataclass
class Report:
    started: dt.datetime
    command: str
    quick: bool
    machine: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    shapes: dict[str, dict[str, Any]] = field(default_factory=dict)
    log_dir: Path | None = None
    elapsed_s: float = 0.0
    failure: str | None = None


def machine_facts() -> dict[str, str]:
    import langgraph_sdk

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "langgraph-sdk": getattr(langgraph_sdk, "__version__", "?"),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def code_facts() -> dict[str, str]:
    def git(*args: str) -> str:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return r.stdout.strip()

    dirty = [ln[3:] for ln in git("status", "--porcelain", "src").splitlines()]
    return {
        "commit": git("log", "-1", "--format=%h %s"),
        "uncommitted in src/": ", ".join(dirty) if dirty else "none",
    }


def base_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "ATRIUM_DATA_DIR": str(data_dir),
        "ATRIUM_PORT": str(port),
        "ATRIUM_HOST": "127.0.0.1",
        "ATRIUM_LOG_LEVEL": "warning",
        "ATRIUM_SCRIPTED_MODELS": "true",
    }
    env.pop("XDG_RUNTIME_DIR", None)  # Atrium points pgserver's runtime dir into the data dir
    for k in (
        "ATRIUM_REDIS_URL",
        "ATRIUM_WORKERS_IN_PROCESS",
        "ATRIUM_RUN_CONCURRENCY",
        "ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS",
        "ATRIUM_DATABASE_URL",
    ):
        env.pop(k, None)
    return env


def redis_ok(url: str) -> str | None:
    try:
        import redis

        r = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        r.ping()
        r.close()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


class Budget:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


async def held_levels(
    shape: Shape,
    key: str,
    aid: str,
    levels: tuple[int, ...],
    budget: Budget,
    data: dict[str, Any],
    sampler: Sampler,
) -> None:
    held: list[dict[str, Any]] = []
    data["held"] = held
    for c in levels:
        timeout = 15 * SLOW_DELAY_HELD + 60 + c * 0.03
        need = 30 + c * 0.07 + STOP_GRACE_S  # a level that holds; a failing one takes longer
        if budget.left() < need:
            data.setdefault("skipped", []).append(
                f"held streams at {c}: skipped, {budget.left():.0f} s of the time budget "
                f"left, up to {need:.0f} s needed"
            )
            log(data["skipped"][-1])
            break
        mark = log_mark(shape)
        log(f"[{shape.label}] held streams: {c} at once (timeout {timeout:.0f} s)")
        # a fresh shared client (and pool) per level
        client, requests = shared_client(shape.url, key, c + 50)
        warned = Counter(SDK_WARNINGS)
        try:
            r = await measure_held(client, aid, c, sampler, timeout)
        except Exception as exc:
            if sampler._task is not None and not sampler._task.done():
                await sampler.stop()
            data.setdefault("skipped", []).append(
                f"held streams at {c}: the level failed: {classify(exc)}"
            )
            log(data["skipped"][-1])
            break
        finally:
            await client.aclose()
        r["log"] = log_summary(shape, mark)
        r["dead"] = shape.check_alive()
        r["requests"] = requests
        r["sdk_warnings"] = Counter(SDK_WARNINGS) - warned
        held.append(r)
        log(
            f"[{shape.label}] held {c}: ok {r['ok']}, errors {err_text(r['errors'])}, "
            f"lost {r['lost_streams']} streams/{r['lost_tokens']} tokens, cut "
            f"{r['cut_streams']}/{r['cut_tokens']}, peak open {r['peak_open']}, wall "
            f"{r['wall_s']:.1f} s; {resources_text(r['resources'])}; {pg_text(r['resources'])}"
        )
        if r["errors"] or r["not_intact"] or r["dead"]:
            log(f"[{shape.label}] errors at {c}: not escalating further")
            break
        await asyncio.sleep(3)


async def latency_block(
    shape: Shape,
    key: str,
    fast: str,
    slow: str | None,
    n_stream: int,
    n_wait: int,
    n_wait_slow: int,
    data: dict[str, Any],
    sampler: Sampler,
) -> None:
    client = get_client(url=shape.url, api_key=key)
    try:
        mark = log_mark(shape)
        log(f"[{shape.label}] 1. start latency: {n_stream} sequential streams")
        since = dt.datetime.now(dt.UTC)
        data["start"] = await measure_start_latency(client, fast, n_stream, 10, sampler)
        data["start"]["runs"] = sampler.run_breakdown(since)
        s = data["start"]
        log(
            f"[{shape.label}] first event P50 {f(s['first_event'].get('p50'), 2)} ms, first "
            f"token P50 {f(s['first_token'].get('p50'), 2)} ms, errors {err_text(s['errors'])}"
        )
        log(f"[{shape.label}] 2. runs.wait: {n_wait} sequential waits on scripted/fast")
        since = dt.datetime.now(dt.UTC)
        data["wait"] = [
            await measure_wait(client, fast, n_wait, FAST_TIMEOUT_S, "scripted/fast", sampler)
        ]
        data["wait"][0]["runs"] = sampler.run_breakdown(since)
        if slow and n_wait_slow:
            data["wait"].append(
                await measure_wait(
                    client, slow, n_wait_slow, 10.0, "scripted/slow (0.05 s/word)", sampler
                )
            )
        for w in data["wait"]:
            log(
                f"[{shape.label}] wait {w['label']}: added P50 {f(w['added'].get('p50'), 2)} ms, "
                f"errors {err_text(w['errors'])}"
            )
        data["latency_log"] = log_summary(shape, mark)
    finally:
        await client.aclose()


async def throughput_block(
    shape: Shape,
    key: str,
    fast: str,
    levels: tuple[int, ...],
    duration: float,
    data: dict[str, Any],
    sampler: Sampler,
    budget: Budget,
) -> None:
    t0 = time.perf_counter()
    clients = [get_client(url=shape.url, api_key=key) for _ in range(max(levels))]
    data["client_setup_s"] = time.perf_counter() - t0
    data["throughput"] = []
    try:
        for n in levels:
            if budget.left() < duration + WAIT_TIMEOUT_LOAD_S + 120:
                data.setdefault("skipped", []).append(f"throughput at {n}: skipped (time budget)")
                break
            mark = log_mark(shape)
            log(f"[{shape.label}] 3. throughput: {n} clients x runs.wait for {duration:.0f} s")
            r = await measure_throughput(clients[:n], fast, duration, sampler)
            r["log"] = log_summary(shape, mark)
            data["throughput"].append(r)
            log(
                f"[{shape.label}] {n} clients: {r['rps']:.1f} runs/s, latency P50 "
                f"{f(r['latency'].get('p50'))} ms, errors {err_text(r['errors'])}; "
                f"{resources_text(r['resources'])}; {pg_text(r['resources'])}"
            )
            await asyncio.sleep(2)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)


async def campaign(args: argparse.Namespace, report: Report, cleanup: Cleanup) -> None:
    budget = Budget(BUDGET_S)
    log_dir = Path(f"/tmp/atrium-runs-bench-{time.strftime('%Y%m%d-%H%M%S')}")
    log_dir.mkdir(parents=True, exist_ok=True)
    report.log_dir = log_dir
    q = args.quick
    n_stream, n_wait, n_wait_slow = (40, 30, 5) if q else (120, 80, 10)
    tp_dur, tp_dur_redis = (6.0, 5.0) if q else (20.0, 10.0)
    levels = (100, 300) if q else HELD_LEVELS
    # scale-out: a smaller version (the time budget): 100, then straight to 1,000
    levels_redis = (100,) if q else (100, 1000)

    # ---- A + B: embedded ---------------------------------------------------------------
    data_dir = Path(tempfile.mkdtemp(prefix="atrium-runs-bench-"))
    cleanup.dirs.append(data_dir)
    port = free_port()
    emb: dict[str, Any] = {"label": "embedded", "notes": []}
    report.shapes["embedded"] = emb
    shape = Shape("embedded-a", data_dir, log_dir, base_env(data_dir, port), port)
    cleanup.shapes.append(shape)
    log(f"embedded: starting atrium serve on :{port}, data {data_dir}")
    shape.start_api()
    log(f"embedded: up in {shape.startup_s:.1f} s")
    emb["startup_s"] = shape.startup_s
    emb["code"] = code_facts()
    key = premium_api_key(shape.url, shape.env, role="admin")
    c0 = get_client(url=shape.url, api_key=key)
    fast, slow = await scripted_assistants(c0)
    await c0.aclose()
    sampler = Sampler(shape)
    await latency_block(shape, key, fast, slow, n_stream, n_wait, n_wait_slow, emb, sampler)
    await throughput_block(shape, key, fast, (10, 50), tp_dur, emb, sampler, budget)
    emb["log_a"] = log_summary(shape, None)
    log("embedded: restarting with ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS=1.0, RUN_CONCURRENCY=1000")
    shape.stop()
    emb["stop_a"] = [(p.name, p.stop_seconds, p.exit_code) for p in shape.procs]
    emb["notes"].extend(shape.postmaster_outlived)
    env_b = {
        **base_env(data_dir, port),
        "ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS": str(SLOW_DELAY_HELD),
        "ATRIUM_RUN_CONCURRENCY": str(max(levels)),
    }
    shape_b = Shape("embedded-b", data_dir, log_dir, env_b, port)
    cleanup.shapes.append(shape_b)
    shape_b.start_api()
    log(f"embedded (B): up in {shape_b.startup_s:.1f} s")
    sampler_b = Sampler(shape_b)
    await held_levels(shape_b, key, slow, levels, budget, emb, sampler_b)
    emb["log_b"] = log_summary(shape_b, None)
    shape_b.stop()
    emb["stop_b"] = [(p.name, p.stop_seconds, p.exit_code) for p in shape_b.procs]
    emb["notes"].extend(shape_b.postmaster_outlived)
    shutil.rmtree(data_dir, ignore_errors=True)

    # ---- C: Redis + separate workers ---------------------------------------------------
    red: dict[str, Any] = {"label": "redis + 2 workers", "notes": []}
    report.shapes["redis"] = red
    problem = redis_ok(REDIS_URL)
    redis_url = REDIS_URL
    if problem:
        red["notes"].append(f"{REDIS_URL} not reachable ({problem}); shape not measured")
        log(red["notes"][-1])
        return
    red["notes"].append(
        f"Redis at {REDIS_URL} (a server already running on the machine; Redis pub/sub "
        "channels are not scoped by database number, so other users of that server share them)"
    )
    if budget.left() < 150:
        red["notes"].append(f"skipped: {budget.left():.0f} s of the time budget left")
        return
    data_dir = Path(tempfile.mkdtemp(prefix="atrium-runs-bench-"))
    cleanup.dirs.append(data_dir)
    port = free_port()
    workers = 2
    env_c = {
        **base_env(data_dir, port),
        "ATRIUM_REDIS_URL": redis_url,
        "ATRIUM_WORKERS_IN_PROCESS": "false",
        "ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS": str(SLOW_DELAY_HELD),
        "ATRIUM_RUN_CONCURRENCY": str(math.ceil(max(levels_redis) / workers)),
    }
    shape_c = Shape("redis", data_dir, log_dir, env_c, port)
    cleanup.shapes.append(shape_c)
    log(f"redis: starting atrium serve (no in-process workers) on :{port}")
    shape_c.start_api()
    for i in range(workers):
        shape_c.start_worker(i + 1)
    red["startup_s"] = shape_c.startup_s
    red["code"] = code_facts()
    key = premium_api_key(shape_c.url, shape_c.env, role="admin")
    c0 = get_client(url=shape_c.url, api_key=key)
    fast, slow = await scripted_assistants(c0)
    # the workers are ready once a run completes
    t0 = time.monotonic()
    tid = str((await c0.threads.create())["thread_id"])
    ready = await one_wait(c0, tid, fast, 60.0)
    await c0.aclose()
    red["workers_ready_s"] = time.monotonic() - t0
    if ready.error:
        raise RuntimeError(f"redis shape: first run failed ({ready.error}); see {log_dir}")
    dead = shape_c.check_alive()
    if dead:
        raise RuntimeError(f"redis shape: {dead}")
    log(
        f"redis: API up in {shape_c.startup_s:.1f} s, workers took a first run after "
        f"{red['workers_ready_s']:.1f} s"
    )
    sampler_c = Sampler(shape_c)
    await latency_block(
        shape_c, key, fast, None, max(30, n_stream // 3), max(30, n_wait // 3), 0, red, sampler_c
    )
    await throughput_block(shape_c, key, fast, (10, 50), tp_dur_redis, red, sampler_c, budget)
    await held_levels(shape_c, key, slow, levels_redis, budget, red, sampler_c)
    red["log_all"] = log_summary(shape_c, None)
    shape_c.stop()
    red["stop"] = [(p.name, p.stop_seconds, p.exit_code) for p in shape_c.procs]
    red["notes"].extend(shape_c.postmaster_outlived)


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return {True: "**met**", False: "**NOT met**", None: "**not measured**"}[ok]


def held_failures(h: dict[str, Any]) -> str:
    return (
        f"{h['ok']}/{h['c']} complete and intact; errors {err_text(h['errors'])}; "
        f"{h['lost_streams']} ended streams missing {h['lost_tokens']} tokens; "
        f"{h['cut_streams']} streams cut by the timeout missing {h['cut_tokens']} tokens; "
        f"{h['all_tokens_no_end']} had every token but no end; {h['peak_open']} open at once"
    )


def held_verdict(data: dict[str, Any]) -> tuple[bool | None, str]:
    held = data.get("held") or []
    top = next((h for h in held if h["c"] >= TARGET_HELD_STREAMS), None)
    if top is None:
        clean = [h["c"] for h in held if not h["errors"] and not h["not_intact"]]
        failed = next((h for h in held if h["errors"] or h["not_intact"]), None)
        text = f"largest clean level: {max(clean) if clean else 'none'}"
        if failed is not None:
            text += f"; at {failed['c']}: {held_failures(failed)}"
        text += "; 1,000 not attempted (escalation stops at the first level with errors)"
        for s in data.get("skipped", []):
            if s.startswith("held"):
                text += f"; {s}"
        return (False if held else None), text
    ok = not top["errors"] and not top["not_intact"] and top["peak_open"] >= TARGET_HELD_STREAMS
    return ok, held_failures(top)


def render(report: Report) -> str:
    out: list[str] = []
    w = out.append
    w("# Runs through the LangGraph SDK: latency, throughput, held streams")
    w("")
    w(
        f"Generated by `benchmarks/runs.py` on {report.started:%Y-%m-%d %H:%M} UTC "
        f"(took {report.elapsed_s / 60:.1f} min)."
    )
    w("")
    w(f"Command: `{report.command}`")
    w("")
    w("| machine | |")
    w("|---|---|")
    for k, v in report.machine.items():
        w(f"| {k} | {v} |")
    for k, v in report.code.items():
        w(f"| code: {k} | {v} |")
    w("")
    if report.failure:
        w(f"**The run failed before it finished:** {report.failure}")
        w("")

    emb = report.shapes.get("embedded", {})
    red = report.shapes.get("redis", {})

    # ---- verdicts
    w("## Targets")
    w("")
    w("| target | shape | measured | verdict |")
    w("|---|---|---|---|")
    for name, d in (("embedded", emb), ("redis + workers", red)):
        s = d.get("start")
        if s:
            p50 = s["first_event"].get("p50")
            ok = p50 is not None and p50 <= TARGET_FIRST_EVENT_P50_MS
            w(
                f"| first SSE event P50 ≤ {TARGET_FIRST_EVENT_P50_MS:g} ms | {name} | "
                f"P50 {f(p50, 2)} ms (P95 {f(s['first_event'].get('p95'), 2)}, P99 "
                f"{f(s['first_event'].get('p99'), 2)}; n={s['first_event'].get('n', 0)}) | {verdict(ok)} |"
            )
        else:
            w(
                f"| first SSE event P50 ≤ {TARGET_FIRST_EVENT_P50_MS:g} ms | {name} | - | {verdict(None)} |"
            )
    for name, d in (("embedded", emb), ("redis + workers", red)):
        for wt in d.get("wait", [])[:1]:
            a = wt["added"]
            p50 = a.get("p50")
            ok = p50 is not None and p50 <= TARGET_WAIT_ADDED_MS and not wt["errors"]
            extra = (
                ""
                if not wt["errors"]
                else f"; {sum(wt['errors'].values())} waits never answered or failed"
            )
            w(
                f"| `runs.wait` adds ≤ {TARGET_WAIT_ADDED_MS:g} ms (median) | {name} | P50 {f(p50, 2)} ms "
                f"(P95 {f(a.get('p95'), 2)}, P99 {f(a.get('p99'), 2)}; n={a.get('n', 0)}){extra} | {verdict(ok)} |"
            )
        if not d.get("wait"):
            w(f"| `runs.wait` adds ≤ {TARGET_WAIT_ADDED_MS:g} ms | {name} | - | {verdict(None)} |")
    for name, d in (("embedded", emb), ("redis + workers", red)):
        ok, text = held_verdict(d)
        w(f"| 1,000 held streams, 0 errors, 0 lost tokens | {name} | {text} | {verdict(ok)} |")
    w("")
    w(
        'A `wait` counted as failed ("never answered") adds without bound; the median above is over '
        "the waits that answered, and the verdict is not met if any did not."
    )
    w("")

    for title, d in (
        ("Embedded (`atrium serve` alone, workers in process)", emb),
        ("Scale-out (Redis, API with ATRIUM_WORKERS_IN_PROCESS=false, 2 `atrium worker`)", red),
    ):
        if not d:
            continue
        w(f"## {title}")
        w("")
        for n in d.get("notes", []):
            w(f"- {n}")
        for k, v in (d.get("code") or {}).items():
            w(f"- code when this shape started: {k}: {v}")
        if d.get("startup_s") is not None:
            w(
                f"- API healthy {d['startup_s']:.1f} s after start (fresh data dir: initdb + migrations)"
            )
        if d.get("workers_ready_s") is not None:
            w(
                f"- first run through the workers answered {d['workers_ready_s']:.1f} s after the API was up"
            )
        for sk in ("stop_a", "stop_b", "stop"):
            for name, secs, code in d.get(sk, []):
                w(f"- `{name}` stopped {f(secs, 1)} s after SIGTERM (exit code {code})")
        for s in d.get("skipped", []):
            w(f"- {s}")
        w("")
        s = d.get("start")
        if s:
            w(
                f"### 1. Run start latency ({s['n']} sequential `runs.stream`, scripted/fast, fresh thread each, after 10 warm-up)"
            )
            w("")
            w("| ms | P50 | P95 | P99 | max |")
            w("|---|---|---|---|---|")
            w(f"| request → first SSE event (`metadata`) | {pcols(s['first_event'], 2)} |")
            w(f"| request → first `messages` event (first token) | {pcols(s['first_token'], 2)} |")
            w(f"| request → last event (complete runs) | {pcols(s['last_event'], 2)} |")
            w(
                f"| for scale: `threads.get` through the same SDK client | {pcols(s['baseline_get'], 2)} |"
            )
            w(
                f"| for scale: `threads.create` through the same SDK client | {pcols(s['baseline_create'], 2)} |"
            )
            w("")
            w(f"Complete and intact: {s['ok']}/{s['n']}; errors: {err_text(s['errors'])}.")
            w("")
            w(f"Server side, from PostgreSQL: {breakdown_text(s.get('runs'))}.")
            if s["stuck_status"]:
                w(
                    "Status (in PostgreSQL) of the runs whose stream failed: "
                    + ", ".join(f"{k}: {v}" for k, v in s["stuck_status"].items())
                    + "."
                )
            w("")
        if d.get("wait"):
            w("### 2. What `runs.wait` adds to the run")
            w("")
            w(
                "Added = wall time of `runs.wait` − (`updated_at` − `created_at`) of that run, read "
                "back with `runs.get`. Sequential, a fresh thread each, after 3 warm-up."
            )
            w("")
            w(
                "| model | n | wall P50 | run's life P50 | added P50 | added P95 | added P99 | added max | errors |"
            )
            w("|---|---|---|---|---|---|---|---|---|")
            for wt in d["wait"]:
                a = wt["added"]
                w(
                    f"| {wt['label']} | {wt['n']} | {f(wt['wall'].get('p50'), 2)} | {f(wt['life'].get('p50'), 2)} | "
                    f"{f(a.get('p50'), 2)} | {f(a.get('p95'), 2)} | {f(a.get('p99'), 2)} | {f(a.get('max'), 2)} | "
                    f"{err_text(wt['errors'])} |"
                )
            for wt in d["wait"]:
                if wt.get("runs"):
                    w("")
                    w(
                        f"Server side ({wt['label']}), from PostgreSQL: {breakdown_text(wt['runs'])}."
                    )
                if wt["added_over_450"]:
                    w("")
                    w(
                        f"{wt['label']}: {wt['added_over_450']} of {wt['added'].get('n', 0)} waits "
                        "added more than 450 ms (the 0.5 s fallback poll of `wait`)."
                    )
                if wt["stuck_status"]:
                    w("")
                    w(
                        f"Status (in PostgreSQL) of the {wt['label']} runs whose wait failed: "
                        + ", ".join(f"{k}: {v}" for k, v in wt["stuck_status"].items())
                        + "."
                    )
            s = d.get("start")
            if s and s["last_event"] and d["wait"][0]["wall"]:
                w("")
                w(
                    f"Cross-check: `runs.wait` wall P50 {f(d['wait'][0]['wall'].get('p50'), 2)} ms against "
                    f"`runs.stream` request → last event P50 {f(s['last_event'].get('p50'), 2)} ms (same model)."
                )
            w("")
            if d.get("latency_log"):
                w("Server log during 1 and 2:")
                w("")
                out.extend(log_lines(d["latency_log"], 8))
                w("")
        if d.get("throughput"):
            w(
                f"### 3. Throughput (each client its own `get_client` and thread, looping `runs.wait` on scripted/fast; {f(d.get('client_setup_s'), 1)} s to build the clients)"
            )
            w("")
            w(
                "| clients | window s | runs completed | runs/s | wait P50 ms | P95 | P99 | max "
                "| errors | resources (peak memory / CPU % of one core) | PostgreSQL load; API "
                "responsiveness |"
            )
            w("|---|---|---|---|---|---|---|---|---|---|---|")
            for t in d["throughput"]:
                w(
                    f"| {t['clients']} | {t['duration']:.0f} | {t['completed']} | {t['rps']:.1f} | "
                    f"{pcols(t['latency'], 1)} | {err_text(t['errors'])} | "
                    f"{resources_text(t['resources'])} | {pg_text(t['resources'])} |"
                )
            w("")
            for t in d["throughput"]:
                w(f"- {t['clients']} clients, server side: {breakdown_text(t.get('runs'))}")
            w("")
            for t in d["throughput"]:
                if t["log"]:
                    w(f"Server log at {t['clients']} clients:")
                    w("")
                    out.extend(log_lines(t["log"], 8))
                    w("")
        if d.get("held"):
            w(
                f"### 4. Held streams (scripted/slow at {SLOW_DELAY_HELD:g} s per word: ~15 s each; all opened at once through one shared SDK client)"
            )
            w("")
            w(
                "| streams | complete & intact | errors | ended but not intact (tokens missing) "
                "| cut by timeout (tokens missing) | every token, no end | tokens extra "
                "| most open at once | first event P50 / P95 / P99 ms "
                "| first token P50 / P95 / P99 ms | stream length P50 / P99 s | level wall s "
                "| threads created in s |"
            )
            w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for h in d["held"]:
                fe, ft, du = h["first_event"], h["first_token"], h["duration"]
                w(
                    f"| {h['c']} | {h['ok']} | {err_text(h['errors'])} | "
                    f"{h['lost_streams']} ({h['lost_tokens']}) | {h['cut_streams']} "
                    f"({h['cut_tokens']}) | {h['all_tokens_no_end']} | {h['tokens_extra']} | "
                    f"{h['peak_open']} | {f(fe.get('p50'), 0)} / {f(fe.get('p95'), 0)} / {f(fe.get('p99'), 0)} | "
                    f"{f(ft.get('p50'), 0)} / {f(ft.get('p95'), 0)} / {f(ft.get('p99'), 0)} | "
                    f"{f(du.get('p50'), 1)} / {f(du.get('p99'), 1)} | {h['wall_s']:.1f} | {h['threads_s']:.1f} |"
                )
            w("")
            w(
                "| streams | peak memory and CPU over the level (% of one core; the machine has "
                f"{report.machine.get('nproc', '?')}) | machine busy % | PostgreSQL load; "
                "API responsiveness |"
            )
            w("|---|---|---|---|")
            for h in d["held"]:
                r = h["resources"]
                w(f"| {h['c']} | {resources_text(r)} | {f(r['machine_pct'], 0)} | {pg_text(r)} |")
            w("")
            for h in d["held"]:
                w(f"- {h['c']} streams, server side: {breakdown_text(h.get('runs'))}")
            w("")
            for h in d["held"]:
                if h["stuck_status"]:
                    w(
                        f"At {h['c']}: status (in PostgreSQL, after the level) of the runs whose "
                        f"stream did not end in {h['timeout']:.0f} s: "
                        + ", ".join(f"{k}: {v}" for k, v in h["stuck_status"].items())
                        + "."
                    )
                    w("")
                if h["lost_streams"]:
                    w(
                        f"At {h['c']}: {h['lost_streams']} streams ended without an error event "
                        f"but without all 15 tokens ({h['lost_tokens']} missing; in "
                        f"{h['lost_tail']} of them only the end of the reply is missing); "
                        "their runs' status in PostgreSQL: "
                        + ", ".join(f"{k}: {v}" for k, v in h["lost_status"].items())
                        + "."
                    )
                    w("")
                w(
                    f"At {h['c']}: requests the SDK made: "
                    + ", ".join(f"`{k}` {v}" for k, v in h["requests"].most_common())
                    + (
                        "; SDK warnings: "
                        + ", ".join(f"`{k}` × {v}" for k, v in h["sdk_warnings"].most_common())
                        if h["sdk_warnings"]
                        else "; no SDK warnings"
                    )
                    + "."
                )
                w("")
                if h["dead"]:
                    w(f"At {h['c']}: processes that died: {', '.join(h['dead'])}.")
                    w("")
                if h["log"]:
                    w(f"Server log at {h['c']} streams:")
                    w("")
                    out.extend(log_lines(h["log"], 10))
                    w("")
        whole = Counter()
        for k in ("log_a", "log_b", "log_all"):
            whole.update(d.get(k) or Counter())
        if whole:
            w("### Server log, whole shape (warning and above, normalised, most frequent first)")
            w("")
            out.extend(log_lines(whole, 20))
            w("")

    w("## Method")
    w("")
    w(
        "- Atrium: `.venv/bin/python -m atrium.cli serve` with a fresh temporary ATRIUM_DATA_DIR "
        "(embedded PostgreSQL), ATRIUM_PORT=<free>, ATRIUM_LOG_LEVEL=warning, "
        "ATRIUM_SCRIPTED_MODELS=true; everything else at its default except where stated: "
        f"for the held streams ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS={SLOW_DELAY_HELD:g} and "
        "ATRIUM_RUN_CONCURRENCY=<largest level> (the default since 2026-11-21 23:00, 1,000; "
        "it was 20); in the scale-out shape ATRIUM_REDIS_URL, "
        "ATRIUM_WORKERS_IN_PROCESS=false on the API, two `atrium worker` with "
        "ATRIUM_RUN_CONCURRENCY=<largest level>/2 each (so its throughput figures are with that "
        "concurrency, not the default), held streams at 100 then straight to 1,000 (time budget). Setup: POST /auth/register, /tenants/subscribe (premium), "
        "/api-keys (role admin); two assistants (graph `agent`, context model scripted/fast and "
        "scripted/slow)."
    )
    w(
        "- Client: the unmodified `langgraph-sdk`, `get_client(url=..., api_key=...)`, asyncio in "
        "this one process (uvloop not used). Streams: `runs.stream(thread_id, assistant_id, "
        "input={messages:[{role:user, content:hi}]}, stream_mode=[messages-tuple, values])`; time "
        "from starting the iteration (the SDK sends the request then) to the first part and to the "
        "first `messages` part with non-empty content. A stream counts as intact when the "
        "`messages` contents concatenate to exactly the 15-word reply in 15 pieces."
    )
    w(
        "- Held streams share one SDK client: `get_client(url, api_key=...)` supplies the headers "
        "(x-api-key) and a `LangGraphClient` is built over an httpx.AsyncClient with the same "
        "headers and a pool of <largest level>+50 connections, because one `get_client` per "
        "stream costs ~34 ms of CPU and ~0.8 MB each (its own SSL context): 1,000 of them took "
        "34 s and 818 MB here. Throughput uses one `get_client` per simulated client."
    )
    w(
        "- Timeouts (counted as errors): a scripted/fast stream or wait without end after "
        f"{FAST_TIMEOUT_S:g} s (normally ~0.1 s); a wait under load after {WAIT_TIMEOUT_LOAD_S:g} s; a "
        "held stream after 15 s + 60 s + 0.03 s × streams (5× its nominal length and more). After a failed wait the client goes on "
        "with a new thread."
    )
    w(
        "- Resources are sampled every 0.25 s with psutil: RSS of the Atrium processes (and their "
        "children), PSS of PostgreSQL's processes summed (once a second), CPU seconds per group "
        "over the level as % of one core; `others` is the rest of the machine's busy time (the "
        "machine is shared, so figures taken while it is high are noisy)."
    )
    if report.log_dir is not None:
        w(f"- Server stdout/stderr: `{report.log_dir}/` (kept after the run).")
    for n in report.notes:
        w(f"- {n}")
    w("")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="do not write runs-results.md")
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        parser.error("needs at least 2 cores")
    command = " ".join([".venv/bin/python", "benchmarks/runs.py", *sys.argv[1:]])
    report = Report(started=dt.datetime.now(dt.UTC), command=command, quick=args.quick)
    report.machine = machine_facts()
    report.code = code_facts()
    cleanup = Cleanup()
    warnings.showwarning = count_warning  # the SDK's reconnect warnings, counted per level
    warnings.simplefilter("always")
    t0 = time.monotonic()
    code = 0
    try:
        # not SIGINT: asyncio.run turns Ctrl-C into cancelling the campaign already
        with terminate_on_signal((signal.SIGTERM, signal.SIGHUP)):
            asyncio.run(asyncio.wait_for(campaign(args, report, cleanup), BUDGET_S + 45))
    except KeyboardInterrupt as exc:
        report.failure = f"interrupted ({exc})"
        code = 130
    except Exception as exc:
        report.failure = f"{type(exc).__name__}: {exc}"
        code = 1
    finally:
        log("stopping everything this benchmark started")
        cleanup.run()
    report.elapsed_s = time.monotonic() - t0
    text = render(report)
    print(text)
    if not args.no_write and not args.quick:
        RESULTS.write_text(text + "\n")
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
