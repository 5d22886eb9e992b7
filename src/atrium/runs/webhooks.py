"""Webhooks: when a run ends, its final record is POSTed to the URL the run named. The URL
passes the outbound-address guard (public addresses only, unless a platform administrator
allowed private ones for the tenant); delivery is retried a few times, never blocks the run,
and never follows redirects."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger
from atrium.kit.netguard import check_public_url

_log = get_logger("atrium.runs.webhooks")
ATTEMPTS = 3
TIMEOUT_SECONDS = 10.0


async def deliver(url: str, payload: dict[str, Any], *, allow_private: bool) -> bool:
    try:
        if not allow_private:
            await check_public_url(url, field="webhook")
    except AtriumError as exc:
        _log.warning("webhook_refused", reason=exc.message)
        return False
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for attempt in range(ATTEMPTS):
            try:
                response = await client.post(url, json=payload)
                if response.status_code < 500:
                    _log.info("webhook_delivered", status=response.status_code)
                    return response.is_success
            except httpx.HTTPError as exc:
                _log.info("webhook_attempt_failed", error_type=type(exc).__name__)
            await asyncio.sleep(0.5 * 2**attempt)
    _log.warning("webhook_failed")
    return False
