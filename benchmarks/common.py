"""Helpers the benchmarks share: ports, statistics, /proc readings, Atrium's HTTP API, the
embedded PostgreSQL, signals and the results file.

The benchmarks run as scripts (`.venv/bin/python benchmarks/<name>.py`), so Python puts
this folder first on sys.path and they import this module as `common`.

Only the standard library is imported at module level: local_runtime.py re-runs itself
under a scratch venv that has neither Atrium's dependencies nor psutil.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --------------------------------------------------------------------------------------
# Statistics and formatting
# --------------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float]:
    """Count, P50, P95, P99 and max by nearest rank; {} for no values."""
    if not values:
        return {}
    ordered = sorted(values)
    n = len(ordered)

    def pick(q: float) -> float:
        return ordered[min(n - 1, max(0, math.ceil(q * n) - 1))]  # nearest rank

    return {"n": n, "p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": ordered[-1]}


def fmt(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


# --------------------------------------------------------------------------------------
# The machine, from /proc
# --------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def busy_seconds(core: int | None = None) -> float:
    """Busy time since boot of one core, or of all of them (None), whatever ran there."""
    ticks = os.sysconf("SC_CLK_TCK")
    prefix = "cpu " if core is None else f"cpu{core} "
    with contextlib.suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith(prefix):
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
                return (sum(v[:8]) - idle) / ticks
    return 0.0


# --------------------------------------------------------------------------------------
# Atrium and its embedded PostgreSQL
# --------------------------------------------------------------------------------------


def api_call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """One JSON call to Atrium's API at `base` (http://host:port); an HTTP error raises."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{base}{path}", data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:500]!r}") from None


def premium_api_key(base: str, env: dict[str, str], role: str | None = None) -> str:
    """Register a user, move its new tenant to the Premium plan as a platform administrator
    does (an owner cannot buy a plan without Stripe) and create an API key (with `role`, or
    the API's default role). `env` is the server's: the administrator is made with the CLI."""
    tokens = api_call(
        base,
        "POST",
        "/auth/register",
        {"email": "bench@example.com", "password": "correct horse battery", "full_name": "Bench"},
    )
    access = tokens["access_token"]
    admin_email, admin_password = "bench-admin@example.com", "bench admin password"
    command = ["admin", "create-platform-admin", "--email", admin_email]
    subprocess.run(
        [sys.executable, "-m", "atrium.cli", *command],
        env={**env, "ATRIUM_ADMIN_PASSWORD": admin_password},
        capture_output=True,
        timeout=120,
        check=True,
    )
    admin = api_call(
        base, "POST", "/auth/login", {"email": admin_email, "password": admin_password}
    )["access_token"]
    path = f"/admin/tenants/{tokens['tenant_id']}"
    api_call(base, "PATCH", path, {"plan_id": "premium"}, admin)
    body = {"name": "bench"} if role is None else {"name": "bench", "role": role}
    key: str = api_call(base, "POST", "/api-keys", body, access)["key"]
    return key


def find_postmaster(data_dir: Path) -> psutil.Process | None:
    """The embedded PostgreSQL of the Atrium whose ATRIUM_DATA_DIR is `data_dir`."""
    import psutil

    pgdata = str((data_dir / "pg").resolve())
    pidfile = Path(pgdata) / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError, psutil.Error):
        return psutil.Process(int(pidfile.read_text().splitlines()[0]))
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if pgdata in " ".join(p.info["cmdline"] or []):
                return p
    return None


def stop_postmaster(pm: psutil.Process) -> None:
    """Fast shutdown by pid (SIGINT), then SIGKILL after 20 s."""
    import psutil

    with contextlib.suppress(psutil.Error):
        if not pm.is_running():
            return
        pm.send_signal(signal.SIGINT)
        try:
            pm.wait(timeout=20)
        except psutil.TimeoutExpired:
            pm.kill()


# --------------------------------------------------------------------------------------
# Running: signals and the results file
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def terminate_on_signal(
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> Iterator[None]:
    """Turn `signals` into KeyboardInterrupt while inside, so that the `finally` blocks
    stop what the benchmark started. SIGINT is in the default because a process started in
    the background by a shell has it ignored otherwise."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def replace_section(path: Path, name: str, section: str) -> None:
    """Rewrite the part of `path` between `<!-- name:start -->` and `<!-- name:end -->`,
    or append it, leaving the rest of the file alone."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{section.rstrip()}\n{end}\n"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if start in text and end in text:
        text = re.sub(
            re.escape(start) + r".*?" + re.escape(end) + r"\n?",
            lambda _m: block,
            text,
            flags=re.S,
        )
    else:
        text = text.rstrip() + "\n\n" + block
    path.write_text(text)
