"""How fast the dashboard's chat page paints, and how soon a streamed token shows, in Chromium.

    .venv/bin/python benchmarks/web_latency.py [--loads 30] [--answers 20] [--no-write]

What it does (loopback only, every loop bounded; about 1 to 2 minutes):

1. Starts `.venv/bin/python -m atrium.cli serve` in a temporary ATRIUM_DATA_DIR (embedded
   PostgreSQL) with ATRIUM_SCRIPTED_MODELS=true, as tests/web/conftest.py does, registers a
   person through the register page in Playwright's Chromium (/usr/bin/chromium), moves the
   tenant to Premium as a platform administrator does (made with the real CLI) and creates
   an assistant on `scripted/slow`.
2. First paint: loads the chat page `--loads` times (a fresh page each time, the browser's
   cache warm as a returning person's is) and reads the Paint Timing API's
   first-contentful-paint and the navigation timing (response start, DOMContentLoaded,
   load). Baseline in the same run and browser: a navigation to /static/app.css (a static
   file Chromium shows as text: the server's and the browser's floor for a paint).
3. Token display: an init script wraps `ReadableStreamDefaultReader.prototype.read` and
   timestamps every resolved chunk of the run's SSE body that carries a text token; a
   MutationObserver timestamps the DOM change the page makes for it, and a
   requestAnimationFrame after it the next frame. Sends `--answers` messages in one chat
   (each answer is the scripted model's 13 words, streamed word by word) and reports P50/P95
   of arrival -> DOM and arrival -> frame. Baseline: the same measurement on a token that a
   page's own script puts into the DOM the moment a timer fires (what a frame costs alone).

Targets: chat page first contentful paint < 200 ms (P95); a token shown < 50 ms after its
SSE event reaches the page (P95 of arrival -> frame).

Prints markdown and rewrites the `web-latency` section of benchmarks/RESULTS.md (unless
--no-write). Every process it starts (Atrium, its PostgreSQL, Chromium) is stopped on exit,
on errors and on Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

# isort: split
# this folder's shared helpers (see common.py)
from common import (
    api_call,
    cpu_model,
    find_postmaster,
    fmt,
    free_port,
    percentiles,
    replace_section,
    stop_postmaster,
    terminate_on_signal,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"
REPLY = "This is a scripted reply from Atrium's benchmark model, streamed word by word."
WORD_DELAY_S = "0.03"
STARTUP_TIMEOUT_S = 120.0
STOP_GRACE_S = 35.0  # uvicorn's graceful shutdown is 30 s
FIRST_PAINT_TARGET_MS = 200.0
TOKEN_TARGET_MS = 50.0
BASELINE = "baseline: a static file, `/static/app.css`"

# Runs before any script of every page: timestamps SSE chunks as the page's JS receives them
# and the DOM changes and frames that follow.
PROBE = r"""
(() => {
  const bench = { pending: [] };
  const buffers = new WeakMap();
  const read = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function (...args) {
    return read.apply(this, args).then((result) => {
      if (!result.done && result.value instanceof Uint8Array) {
        const at = performance.now();
        let state = buffers.get(this);
        if (!state) buffers.set(this, (state = { decoder: new TextDecoder(), text: "" }));
        state.text += state.decoder.decode(result.value, { stream: true });
        let cut, tokens = 0;
        while ((cut = state.text.indexOf("\n\n")) >= 0) {
          const frame = state.text.slice(0, cut);
          state.text = state.text.slice(cut + 2);
          if (frame.startsWith("event: end")) window.benchEnd?.();
          if (!frame.includes("event: messages")) continue;
          const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("");
          try {
            const [chunk] = JSON.parse(data);
            if (chunk && typeof chunk.content === "string" && chunk.content) tokens += 1;
          } catch (_) { /* not a token */ }
        }
        if (tokens) bench.pending.push({ at, tokens });
      }
      return result;
    });
  };
  new MutationObserver(() => {
    if (!bench.pending.length) return;
    const batch = bench.pending.splice(0);
    const dom = performance.now();
    requestAnimationFrame(() => {
      const frame = performance.now();
      window.benchShown?.(batch.map((b) => ({ arrival: b.at, dom, frame, tokens: b.tokens })));
    });
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();
"""

PAINT = """
async () => {
  const fcp = await new Promise((resolve) => {
    const seen = performance.getEntriesByName("first-contentful-paint");
    if (seen.length) return resolve(seen[0].startTime);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === "first-contentful-paint") resolve(e.startTime);
    }).observe({ type: "paint", buffered: true });
    setTimeout(() => resolve(null), 5000);
  });
  const [nav] = performance.getEntriesByType("navigation");
  return { fcp, response: nav.responseStart, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
}
"""

# The baseline for token display: a timer's callback changes the DOM itself, so arrival ->
# frame is what one frame of this browser costs with no network and no parsing.
TIMER_TOKENS = """
async (count) => {
  const target = document.createElement("div");
  document.body.append(target);
  const out = [];
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const arrival = performance.now();
    target.textContent += " word";
    const dom = performance.now();
    await new Promise((resolve) => requestAnimationFrame(resolve));
    out.push({ arrival, dom, frame: performance.now() });
  }
  target.remove();
  return out;
}
"""


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@dataclass
class Atrium:
    """One `atrium serve` with scripted models in a temporary data dir."""

    folder: Path
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATRIUM_")}
        env.update(
            ATRIUM_DATA_DIR=str(self.folder / "data"),
            ATRIUM_PORT=str(self.port),
            ATRIUM_SCRIPTED_MODELS="true",
            ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS=WORD_DELAY_S,
            ATRIUM_LOG_LEVEL="warning",
        )
        return env

    def start(self) -> float:
        python = ROOT / ".venv" / "bin" / "python"
        if not python.exists():
            python = Path(sys.executable)
        t0 = time.monotonic()
        with (self.folder / "atrium.log").open("ab") as out:
            self.popen = subprocess.Popen(
                [str(python), "-m", "atrium.cli", "serve"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        while time.monotonic() - t0 < STARTUP_TIMEOUT_S:
            if self.popen.poll() is not None:
                raise RuntimeError(f"atrium exited with {self.popen.returncode}; see the log")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r,
            ):
                if r.status == 200:
                    return time.monotonic() - t0
            time.sleep(0.2)
        raise RuntimeError("atrium did not answer /healthz in time")

    def stop(self) -> None:
        postmaster = find_postmaster(self.folder / "data")
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        if postmaster is not None:
            stop_postmaster(postmaster)

    def make_premium(self, tenant_id: str) -> None:
        """Premium, as a platform administrator does (Basic lacks `scripted/slow`)."""
        email, password = "bench-admin@example.com", "bench admin password"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "atrium.cli",
                "admin",
                "create-platform-admin",
                "--email",
                email,
            ],
            env={**self.env, "ATRIUM_ADMIN_PASSWORD": password},
            capture_output=True,
            timeout=120,
            check=True,
        )
        token = api_call(self.url, "POST", "/auth/login", {"email": email, "password": password})
        path = f"/admin/tenants/{tenant_id}"
        api_call(self.url, "PATCH", path, {"plan_id": "premium"}, token["access_token"])


def register(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Your name").fill("Bench")
    page.get_by_label("E-mail").fill("bench@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/")


def assistant(page: Page) -> None:
    status = page.evaluate(
        """async () => (await api("POST", "/assistants", {
            name: "Bench", context: { model: "scripted/slow", instructions: "Answer." } })).status"""
    )
    if status not in (200, 201):
        raise RuntimeError(f"creating the assistant answered {status}")


def first_paints(page: Page, path: str, loads: int) -> list[dict[str, float]]:
    found = []
    for _ in range(loads):
        fresh = page.context.new_page()
        try:
            fresh.goto(path, wait_until="load")
            found.append(fresh.evaluate(PAINT))
        finally:
            fresh.close()
    return found


class Recorder:
    """What the probe reports, through functions the browser context exposes to it (kept
    here, so a page's reload loses nothing)."""

    def __init__(self) -> None:
        self.shown: list[dict[str, float]] = []
        self.ends = 0

    def on_shown(self, rows: list[dict[str, float]]) -> None:
        self.shown.extend(rows)

    def on_end(self) -> None:
        self.ends += 1


def stream_answers(page: Page, recorder: Recorder, answers: int) -> tuple[str, int]:
    # A chat made beforehand: the page reloads itself after a new chat's first answer.
    thread = page.evaluate(
        """async () => (await (await api("POST", "/threads", {
            metadata: { title: "Benchmark" } })).json()).thread_id"""
    )
    page.goto(f"/app/chat/{thread}")
    page.get_by_label("Assistant").select_option(label="Bench")
    words = 0
    for i in range(answers):
        page.get_by_label("Message").fill(f"Question {i}: tell me something.")
        page.get_by_role("button", name="Send").click()
        deadline = time.monotonic() + 30
        while recorder.ends < i + 1:
            if time.monotonic() > deadline:
                raise RuntimeError(f"answer {i + 1} did not end within 30 s")
            page.wait_for_timeout(20)
        # The page then swaps in the stored messages and gives the composer back.
        page.wait_for_function("() => !document.getElementById('send').disabled")
        page.wait_for_timeout(100)
        words += len(REPLY.split())
    return str(thread), words


@dataclass
class Report:
    started: dt.datetime
    command: str
    loads: int
    answers: int
    machine: str = ""
    code: str = ""
    startup_s: float = 0.0
    paints: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    tokens: list[dict[str, float]] = field(default_factory=list)
    timer: list[dict[str, float]] = field(default_factory=list)
    words: int = 0
    failure: str = ""


def _stat(rows: list[dict[str, float]], key: str) -> dict[str, float]:
    return percentiles([r[key] for r in rows if r.get(key) is not None])


def _delays(rows: list[dict[str, float]], end: str) -> dict[str, float]:
    return percentiles([r[end] - r["arrival"] for r in rows])


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.1f}×"


def render(r: Report) -> str:
    lines = [
        "## Web dashboard: chat page first paint and streamed token display (`web_latency.py`)",
        "",
        f"`{r.command}` on {r.started:%Y-%m-%d %H:%M} UTC; {r.machine}; {r.code}. Chromium "
        f"{CHROMIUM} headless through Playwright, 1280×800; Atrium `serve` with scripted models "
        f"(`scripted/slow`, {WORD_DELAY_S} s between words) in a fresh data dir (started in "
        f"{r.startup_s:.1f} s). The machine is shared with other work: figures are noisy.",
        "",
    ]
    if r.failure:
        lines += [f"**The run failed:** {r.failure}", ""]
    base = _stat(r.paints.get(BASELINE, []), "fcp")
    lines += [
        f"### First paint ({r.loads} loads each, ms from navigation start)",
        "",
        "| page | P50 FCP | P95 FCP | P50 response start | P50 DOMContentLoaded | P50 load "
        "| FCP / baseline, P50 and P95 |",
        "|---|---|---|---|---|---|---|",
    ]
    worst_fcp: float | None = None
    for label, rows in r.paints.items():
        f = _stat(rows, "fcp")
        if label != BASELINE and f:
            worst_fcp = max(worst_fcp or 0.0, f["p95"])
        ratio = (
            ""
            if label == BASELINE
            else f"{_ratio(f.get('p50'), base.get('p50'))}, {_ratio(f.get('p95'), base.get('p95'))}"
        )
        lines.append(
            f"| {label} | {fmt(f.get('p50'), 1)} | {fmt(f.get('p95'), 1)} | "
            f"{fmt(_stat(rows, 'response').get('p50'), 1)} | "
            f"{fmt(_stat(rows, 'dcl').get('p50'), 1)} | "
            f"{fmt(_stat(rows, 'load').get('p50'), 1)} | {ratio} |"
        )
    lines.append("")
    dom, frame = _delays(r.tokens, "dom"), _delays(r.tokens, "frame")
    tdom, tframe = _delays(r.timer, "dom"), _delays(r.timer, "frame")
    lines += [
        f"### Streamed token display ({r.answers} answers, {r.words} words; "
        f"{len(r.tokens)} SSE chunks carrying {sum(int(t['tokens']) for t in r.tokens)} tokens)",
        "",
        "| ms after the chunk reaches the page's JS | P50 | P95 | P99 | max |",
        "|---|---|---|---|---|",
    ]
    for label, s in (
        ("chat: text in the DOM", dom),
        ("chat: next frame (requestAnimationFrame)", frame),
        ("baseline, a timer's own DOM change: in the DOM", tdom),
        ("baseline: next frame", tframe),
    ):
        lines.append(
            f"| {label} | {fmt(s.get('p50'))} | {fmt(s.get('p95'))} | {fmt(s.get('p99'))} | "
            f"{fmt(s.get('max'))} |"
        )
    lines += [
        "",
        f"Chat's next frame / baseline's next frame: P50 {_ratio(frame.get('p50'), tframe.get('p50'))}, "
        f"P95 {_ratio(frame.get('p95'), tframe.get('p95'))}.",
        "",
        "### Targets",
        "",
    ]
    p95_fcp, p95_token = worst_fcp, frame.get("p95")
    for what, value, target in (
        (
            "chat pages' first contentful paint, P95 (the slower page)",
            p95_fcp,
            FIRST_PAINT_TARGET_MS,
        ),
        ("token shown after its SSE chunk (next frame), P95", p95_token, TOKEN_TARGET_MS),
    ):
        verdict = "not measured" if value is None else ("met" if value < target else "**not met**")
        lines.append(f"- {what}: {fmt(value, 1)} ms, target < {target:.0f} ms: {verdict}")
    return "\n".join(lines) + "\n"


def machine_facts() -> str:
    return (
        f"{os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def code_facts() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        branch = subprocess.run(
            ["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return f"{branch} at {head}"
    return "code version unknown"


def campaign(args: argparse.Namespace, report: Report, atrium: Atrium) -> None:
    log("starting Atrium")
    report.startup_s = atrium.start()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 800}, base_url=atrium.url
            )
            recorder = Recorder()
            context.expose_function("benchShown", recorder.on_shown)
            context.expose_function("benchEnd", recorder.on_end)
            context.add_init_script(PROBE)
            page = context.new_page()
            register(page)
            atrium.make_premium(page.request.get("/auth/me").json()["tenant"]["id"])
            assistant(page)
            log(f"token display: {args.answers} streamed answers")
            thread, report.words = stream_answers(page, recorder, args.answers)
            report.tokens = recorder.shown
            log(f"first paint: {args.loads} loads of each page")
            pages = {
                "chat page, new chat `/app/chat`": "/app/chat",
                f"chat page with its {args.answers} exchanges `/app/chat/{{id}}`": (
                    f"/app/chat/{thread}"
                ),
                BASELINE: "/static/app.css",
            }
            for path in pages.values():
                first_paints(page, path, 3)  # warm the server's and the browser's caches
            for label, path in pages.items():
                report.paints[label] = first_paints(page, path, args.loads)
            report.timer = page.evaluate(TIMER_TOKENS, 100)
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=30, help="page loads per page (1-500)")
    parser.add_argument("--answers", type=int, default=20, help="streamed answers (1-200)")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    if not 1 <= args.loads <= 500 or not 1 <= args.answers <= 200:
        parser.error("--loads is 1 to 500, --answers 1 to 200")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing: `make system-deps` installs it")
    command = " ".join([".venv/bin/python", "benchmarks/web_latency.py", *sys.argv[1:]])
    report = Report(
        started=dt.datetime.now(dt.UTC),
        command=command,
        loads=args.loads,
        answers=args.answers,
        machine=machine_facts(),
        code=code_facts(),
    )
    code = 0
    with tempfile.TemporaryDirectory(prefix="atrium-web-bench-") as folder:
        atrium = Atrium(Path(folder))
        try:
            with terminate_on_signal():
                campaign(args, report, atrium)
        except KeyboardInterrupt as exc:
            report.failure = f"interrupted ({exc})"
            code = 130
        except Exception as exc:
            report.failure = f"{type(exc).__name__}: {exc}"
            code = 1
            with contextlib.suppress(OSError):
                tail = (Path(folder) / "atrium.log").read_text()[-2000:]
                log(f"Atrium's log ends with:\n{tail}")
        finally:
            log("stopping everything this benchmark started")
            atrium.stop()
    text = render(report)
    print(text)
    if not args.no_write and not report.failure:
        replace_section(RESULTS, "web-latency", text)
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
