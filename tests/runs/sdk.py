"""What the runs tests share: the scripted model's reply and a user turn as input."""

from __future__ import annotations

from typing import Any

SCRIPTED = "This is a scripted reply from Atrium's benchmark model, streamed word by word."


def says(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}
