"""The process-wide objects a running Atrium holds (set up once in the app's lifespan)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from atrium.auth.tokens import TokenSigner
from atrium.kit.background import BackgroundTasks
from atrium.kit.crypto import SecretBox
from atrium.kit.db import Database
from atrium.kit.mail import Mailer
from atrium.kit.ratelimit import RateLimiter
from atrium.settings import Settings

if TYPE_CHECKING:
    import procrastinate

    from atrium.agents.runtime import AgentRuntime
    from atrium.providers.service import ProviderService
    from atrium.runs.events import EventSink
    from atrium.runs.hub import RunHub
    from atrium.usage.recorder import UsageRecorder


@dataclass
class Runtime:
    settings: Settings
    db: Database
    signer: TokenSigner
    mailer: Mailer
    limiter: RateLimiter
    background: BackgroundTasks
    secrets: SecretBox
    providers: ProviderService
    usage: UsageRecorder
    agents: AgentRuntime
    queue: procrastinate.App
    runs_hub: RunHub
    run_events: EventSink


_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("Atrium runtime is not started")
    return _runtime


AfterCommit = Callable[[], Coroutine[Any, Any, None]]


def after_commit(session: AsyncSession, work: AfterCommit, *, name: str) -> None:
    """Run `work` in the background once this session's transaction has committed.

    Dropped if the transaction rolls back, so no e-mail leaves for a change that never was.
    """
    session.info.setdefault("after_commit", []).append((name, work))
