"""A server of the budget tests' own, on the session's database, whose slow scripted model
holds each call open for a few seconds: every call of a burst has reserved before the first
one settles, so the number that fit a budget does not depend on timing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import AtriumProcess, free_port

SLOW_WORD_SECONDS = "1.0"


@pytest.fixture(scope="session")
def slow_server(
    server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AtriumProcess]:
    port = free_port()
    env = {
        **server.env,
        "ATRIUM_PORT": str(port),
        "ATRIUM_MIGRATE_ON_START": "false",
        "ATRIUM_SCRIPTED_SLOW_DELAY_SECONDS": SLOW_WORD_SECONDS,
    }
    proc = AtriumProcess(
        env=env, log_path=tmp_path_factory.mktemp("budgets") / "slow.log", port=port
    )
    proc.start()
    yield proc
    proc.stop()
