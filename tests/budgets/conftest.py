"""A server of the budget tests' own, on a database of its own (its run worker must be the
only one: the session server's worker would take its runs), whose slow scripted model
holds each call open for a few seconds (a burst's calls all hold their reservations at
once) and costs money: only output tokens are priced, and a call's output is the scripted
reply, so a call that names that many `max_tokens` reserves exactly what it then spends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from atrium.providers.adapters.scripted import REPLY
from tests.support import AtriumProcess, EmbeddedPostgres, free_port

SLOW_WORD_SECONDS = "1.0"
# USD per million output tokens of `scripted/slow` on this server: a tenth of a cent a token.
OUTPUT_PRICE = 1000
REPLY_TOKENS = len(REPLY.split())
CALL_COST = Decimal(OUTPUT_PRICE * REPLY_TOKENS) / 1_000_000


def priced_models_file(server: AtriumProcess, folder: Path) -> str:
    """The session's models file with a price on `scripted/slow`."""
    models = json.loads(Path(server.env["ATRIUM_MODELS_FILE"]).read_text())
    models["prices"]["scripted/slow"] = {
        "input": 0,
        "output": OUTPUT_PRICE,
        "context_window": 1_000_000,
    }
    path = folder / "models.json"
    path.write_text(json.dumps(models))
    return str(path)


@pytest.fixture(scope="session")
def slow_server(
    server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    folder = tmp_path_factory.mktemp("budgets")
    port = free_port()
    inherited = {
        k: v
        for k, v in server.env.items()
        if k not in ("ATRIUM_DATABASE_URL", "ATRIUM_DATABASE_APP_PASSWORD")
    }
    env = {
        **inherited,
        "ATRIUM_DATA_DIR": str(folder / "data"),
        "ATRIUM_PORT": str(port),
        "ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS": SLOW_WORD_SECONDS,
        "ATRIUM_MODELS_FILE": priced_models_file(server, folder),
        # The tests hold 200 streams of one key open at once: the per-key stream cap (20 by
        # default) would refuse them before the budget is asked.
        "ATRIUM_MAX_STREAMS_PER_KEY": "1000",
    }
    proc = AtriumProcess(env=env, log_path=folder / "slow.log", port=port)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()
        # Also stops it when a test killed a process attached to it.
        EmbeddedPostgres(folder / "data").stop()


@pytest.fixture
def budget_db(slow_server: AtriumProcess) -> Iterator[psycopg.Connection[Any]]:
    """The slow server's database, as its owner."""
    dsn = EmbeddedPostgres(Path(slow_server.env["ATRIUM_DATA_DIR"])).uri("atrium")
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn
