"""Outbound calls on a tenant's behalf connect only to addresses the guard checked, at the
moment they connect (issue 9, finding 7)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from atrium.providers.adapters.base import base_url_for
from atrium.providers.types import Credentials, ErrorKind, UpstreamError
from atrium.runs import webhooks
from tests.providers.fakes import FakeProvider, Reply
from tests.support import Api, api_key, gold, register

TENANT_KEY = "sk-tenant-outbound-1f2e3d4c5b6a"


@pytest.fixture(autouse=True)
def _clean(fakes: dict[str, FakeProvider]) -> None:
    for fake in fakes.values():
        fake.reset()


def _chat(base_url: str, key: str, model: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": model, "messages": [{"role": "user", "content": "x"}]},
        timeout=60,
    )


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_stored_base_url_is_checked_on_every_call(
    base_url: str, fakes: dict[str, FakeProvider], platform_admin: Api, provider: str
) -> None:
    owner = gold(register(base_url))  # provider keys (BYOK) are a Gold feature
    fake = fakes[provider]
    model = {"openai": "openai/gpt-4o-mini", "anthropic": "anthropic/claude-haiku-4-5"}[provider]
    # Stored while the tenant could reach private addresses; by name, as a DNS name that
    # was public when stored and points at 127.0.0.1 now.
    local_url = fake.base_url.replace("127.0.0.1", "localhost")
    switch = f"/admin/tenants/{owner.tenant_id}"
    assert platform_admin.patch(switch, json={"allow_private_provider_urls": True}).is_success
    body = {"provider": provider, "api_key": TENANT_KEY, "base_url": local_url}
    created = owner.api.post("/provider-keys", json=body)
    assert created.status_code == 201, created.text
    key = api_key(owner)
    fake.push(Reply("reached"))
    r = _chat(base_url, key, model)
    assert r.status_code == 200, r.text
    reached = len(fake.requests)
    assert reached == 1

    assert platform_admin.patch(switch, json={"allow_private_provider_urls": False}).is_success
    deadline = time.monotonic() + 15  # a cached authentication lives a few seconds at most
    while True:
        fake.push(Reply("must not be reached"))
        r = _chat(base_url, key, model)
        if r.status_code != 200 or time.monotonic() > deadline:
            break
        reached = len(fake.requests)
        time.sleep(0.5)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "upstream_invalid_request", error
    assert "private or loopback" in error["message"]
    assert len(fake.requests) == reached  # refused when connecting: nothing was sent
    assert TENANT_KEY not in r.text


def test_a_tenant_key_without_base_url_never_reaches_a_local_default(
    base_url: str, platform_admin: Api
) -> None:
    owner = gold(register(base_url))  # provider keys (BYOK) are a Gold feature
    # Even a tenant allowed private addresses: Ollama's default is this machine's own.
    switch = f"/admin/tenants/{owner.tenant_id}"
    assert platform_admin.patch(switch, json={"allow_private_provider_urls": True}).is_success
    created = owner.api.post("/provider-keys", json={"provider": "ollama", "api_key": "k-ollama"})
    assert created.status_code == 201, created.text
    r = _chat(base_url, api_key(owner), "ollama/llama3.2")
    assert r.status_code == 400, r.text
    assert "needs its own base URL" in r.json()["error"]["message"]


async def test_a_webhook_name_re_pointed_after_the_check_is_refused_when_connecting(
    fakes: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def public_when_checked(url: str, *, field: str = "base_url") -> None:
        """The name resolved to a public address when it was checked..."""

    monkeypatch.setattr(webhooks, "check_public_url", public_when_checked)
    fake = fakes["openai"]
    # ...and to 127.0.0.1 when the delivery connects.
    url = fake.base_url.replace("127.0.0.1", "localhost") + "/hook"
    secret = webhooks.secret_for("test secret", uuid.uuid4())
    assert not await webhooks.deliver(url, {"run_id": "r"}, secret=secret, allow_private=False)
    assert fake.requests == []


@pytest.mark.parametrize(
    "default",
    [
        "http://127.0.0.1:11434/v1",
        "http://localhost:8000/v1",
        "http://ollama:11434/v1",
        "http://[::1]:8080/v1",
        "http://10.0.0.5/v1",
    ],
)
def test_no_local_default_for_a_tenant_key(default: str) -> None:
    tenant = Credentials("k", None, "tenant", allow_private=True)
    with pytest.raises(UpstreamError) as refused:
        base_url_for(tenant, default, "ollama")
    assert refused.value.kind == ErrorKind.bad_request
    # the platform's own configuration may point anywhere
    assert base_url_for(Credentials("k", None, "platform"), default, "ollama") == default
    # and a tenant's own base URL is used as given (the guard checks it when connecting)
    own = Credentials("k", "https://llm.example.com/v1", "tenant")
    assert base_url_for(own, default, "ollama") == "https://llm.example.com/v1"


def test_a_public_default_serves_a_tenant_key() -> None:
    tenant = Credentials("k", None, "tenant")
    assert tenant.guarded
    assert base_url_for(tenant, "https://api.groq.com/openai/v1", "groq") == (
        "https://api.groq.com/openai/v1"
    )
    assert base_url_for(tenant, None, "openai") is None  # the SDK's own default
    assert not Credentials("k", None, "tenant", allow_private=True).guarded
    assert not Credentials("k", None, "platform").guarded
