"""Stream modes as the LangGraph SDK names them, and the events each produces."""

from __future__ import annotations

from typing import Any

from atrium.kit.errors import BadRequest

SUPPORTED = (
    "values",
    "updates",
    "messages-tuple",
    "messages",
    "custom",
    "debug",
    "events",
    "tasks",
    "checkpoints",
)
# Event names each mode produces on the wire.
EVENTS = {
    "values": {"values"},
    "updates": {"updates"},
    "messages-tuple": {"messages"},
    "messages": {"messages/partial", "messages/metadata", "messages/complete"},
    "custom": {"custom"},
    "debug": {"debug"},
    "events": {"events"},
    "tasks": {"tasks"},
    "checkpoints": {"checkpoints"},
}
ALWAYS = {"metadata", "error", "end"}


def parse(value: Any, *, default: tuple[str, ...] = ("values",)) -> list[str]:
    if value is None or value == "" or value == []:
        return list(default)
    modes = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for mode in modes:
        if not isinstance(mode, str) or mode not in SUPPORTED:
            raise BadRequest(
                f"Unsupported stream_mode {mode!r}; supported: {', '.join(SUPPORTED)}",
                field="stream_mode",
            )
        if mode not in out:
            out.append(mode)
    return out


def wanted(event: str, modes: list[str] | None) -> bool:
    """Whether an event belongs to the modes a reader asked for (None: everything)."""
    if modes is None or event in ALWAYS:
        return True
    base = event.split("|", 1)[0]
    return any(base in EVENTS[m] for m in modes)
