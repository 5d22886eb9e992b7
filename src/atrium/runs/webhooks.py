"""Webhooks: when a run ends, its final record is POSTed to the URL the run named. The URL
goes through the one outbound path (`atrium.kit.outbound`: public addresses only, unless a
platform administrator allowed private ones for the tenant; http(s) without credentials);
delivery is retried a few times, never blocks the run, and never follows redirects.

Each delivery is signed as Standard Webhooks specifies (`webhook-id`, `webhook-timestamp`,
`webhook-signature`: HMAC-SHA256 with the tenant's secret), so a receiver can tell it came
from Atrium, unaltered and recent; `GET /tenants/current/webhook-secret` gives the secret.
The secret is derived from `ATRIUM_SECRET_KEY` and changes when that key is rotated."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import uuid
from typing import Any

import httpx
from standardwebhooks import Webhook

from atrium.kit.crypto import derived_key
from atrium.kit.errors import AtriumError
from atrium.kit.logging import get_logger
from atrium.kit.netguard import check_public_url
from atrium.kit.outbound import OutboundPolicy, check_url, outbound_client

_log = get_logger("atrium.runs.webhooks")
ATTEMPTS = 3
TIMEOUT_SECONDS = 10.0


def secret_for(master_secret: str, tenant_id: uuid.UUID) -> str:
    """The tenant's signing secret in Standard Webhooks' `whsec_<base64>` form."""
    key = derived_key(master_secret, f"webhooks/v1/{tenant_id}")
    return "whsec_" + base64.b64encode(key).decode()


def _signed(secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, separators=(",", ":"), default=str)
    message_id = f"msg_{uuid.uuid4().hex}"
    now = dt.datetime.now(dt.UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
    }
    return body.encode(), headers


async def deliver(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str,
    allow_private: bool,
    allowlist: tuple[str, ...] = (),
) -> bool:
    """POST the run's record to `url` under the tenant's outbound policy (its private-address
    switch and allowlist); whether the receiver took it."""
    policy = OutboundPolicy(
        allow_private=allow_private,
        allowlist=allowlist,
        timeout_seconds=TIMEOUT_SECONDS,
        max_redirects=0,
    )
    try:
        check_url(url, policy, field="webhook")
        if not allow_private:
            await check_public_url(url, field="webhook")
    except AtriumError as exc:
        _log.warning("webhook_refused", reason=exc.message)
        return False
    # One message id for every attempt, so a receiver can drop a repeated delivery.
    body, headers = _signed(secret, payload)
    # Through the one outbound path: the name is resolved again for each connection and
    # the guarded transport checks the address it connects to, so a name re-pointed after
    # the check above is refused too; no redirect is followed.
    async with outbound_client(policy, field="webhook") as client:
        for attempt in range(ATTEMPTS):
            try:
                response = await client.post(url, content=body, headers=headers)
                if response.status_code < 500:
                    _log.info("webhook_delivered", status=response.status_code)
                    return response.is_success
            except AtriumError as exc:  # the guard's refusal (address, scheme, credentials)
                _log.warning("webhook_refused", reason=exc.message)
                return False
            except httpx.HTTPError as exc:
                _log.info("webhook_attempt_failed", error_type=type(exc).__name__)
            await asyncio.sleep(0.5 * 2**attempt)
    _log.warning("webhook_failed")
    return False
