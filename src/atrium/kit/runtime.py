"""TRANSITIONAL: the old service locator, kept only while domains move to injected
collaborators. Deleted once nothing calls `runtime()`."""

from __future__ import annotations

from typing import Any

from atrium.kit.db import after_commit

_runtime: Any = None

__all__ = ["after_commit", "install", "runtime"]


def install(runtime: Any) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Any:
    if _runtime is None:
        raise RuntimeError("Atrium runtime is not started")
    return _runtime
