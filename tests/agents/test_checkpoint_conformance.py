"""LangGraph's conformance suite for checkpointers, run against Atrium's on PostgreSQL.

Every capability must be detected (a lost override would silently skip its tests) and pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.report import ProgressCallbacks

from atrium.agents.checkpoints import AtriumCheckpointer
from tests.agents.support import open_pool


async def test_atrium_checkpointer_passes_langgraph_conformance(checkpoint_dsn: str) -> None:
    @checkpointer_test(name="AtriumCheckpointer")
    async def atrium_checkpointer() -> AsyncIterator[AtriumCheckpointer]:
        # A fresh saver on a pool of its own for each capability suite.
        async with open_pool(checkpoint_dsn) as pool:
            yield AtriumCheckpointer(pool)

    report = await validate(atrium_checkpointer, progress=ProgressCallbacks.verbose())
    report.print_report()

    detected = {name for name, result in report.results.items() if result.detected}
    assert detected == {c.value for c in Capability}
    failures = [f for result in report.results.values() for f in result.failures]
    assert report.passed_all(), "\n".join(failures)
    assert report.conformance_level() == "FULL"
