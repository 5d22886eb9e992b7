"""Two API replicas on one database sharing Redis: a session from one works on the other,
and sign-in throttling holds across them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import (
    AtriumProcess,
    Mailbox,
    api_key,
    free_port,
    link_token,
    premium,
    register,
    unique_email,
)

SCRIPTED = "This is a scripted reply from Atrium's benchmark model, streamed word by word."

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def replicas(
    server: AtriumProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[AtriumProcess]]:
    logs = tmp_path_factory.mktemp("replicas")
    started = []
    try:
        for i in range(2):
            port = free_port()
            env = {
                **server.env,
                "ATRIUM_PORT": str(port),
                "ATRIUM_REDIS_URL": REDIS_URL,
                "ATRIUM_MIGRATE_ON_START": "false",
                "ATRIUM_LOGIN_RATE_PER_ACCOUNT": "4/minute",
            }
            proc = AtriumProcess(env=env, log_path=Path(logs) / f"replica{i}.log", port=port)
            proc.start()
            started.append(proc)
        yield started
    finally:
        for proc in started:
            proc.stop()


def test_session_from_one_replica_works_on_the_other(replicas: list[AtriumProcess]) -> None:
    one, two = replicas
    acct = register(one.url)
    me = httpx.get(
        f"{two.url}/auth/me", headers={"Authorization": f"Bearer {acct.tokens['access_token']}"}
    )
    assert me.status_code == 200
    refreshed = httpx.post(
        f"{two.url}/auth/refresh", json={"refresh_token": acct.tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    # the rotated token is spent on every replica
    replay = httpx.post(
        f"{one.url}/auth/refresh", json={"refresh_token": acct.tokens["refresh_token"]}
    )
    assert replay.status_code == 401


def test_throttle_is_shared_through_redis(replicas: list[AtriumProcess]) -> None:
    one, two = replicas
    acct = register(one.url)
    for i in range(4):
        target = replicas[i % 2]
        r = httpx.post(
            f"{target.url}/auth/login",
            json={"email": acct.email, "password": "wrong one"},
            headers={"X-Forwarded-For": f"198.18.0.{i + 1}"},
        )
        assert r.status_code == 401
    for target in (one, two):
        blocked = httpx.post(
            f"{target.url}/auth/login",
            json={"email": acct.email, "password": acct.password},
            headers={"X-Forwarded-For": "198.18.0.50"},
        )
        assert blocked.status_code == 429


class _ThreadOn:
    """An assistant and a thread made through one replica; calling it starts a run there."""

    def __init__(self, client: httpx.Client, url: str, model: str) -> None:
        self.client, self.url = client, url
        self.assistant = client.post(
            f"{url}/assistants", json={"graph_id": "agent", "context": {"model": model}}
        ).json()
        self.thread = client.post(f"{url}/threads", json={}).json()

    def __call__(self) -> tuple[dict[str, Any], dict[str, Any]]:
        run = self.client.post(
            f"{self.url}/threads/{self.thread['thread_id']}/runs",
            json={
                "assistant_id": self.assistant["assistant_id"],
                "stream_mode": ["messages-tuple"],
                "input": {"messages": [{"role": "user", "content": "hi"}]},
            },
        ).json()
        return self.thread, run


def test_run_streams_across_replicas(replicas: list[AtriumProcess]) -> None:
    """A run started through one replica (and executed by whichever worker takes it) streams
    in full from the other, woken through Redis."""
    one, two = replicas
    owner = premium(register(one.url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    with httpx.Client(headers=headers, timeout=60) as client:
        start_run = _ThreadOn(client, one.url, "scripted/slow")
        thread, run = start_run()
        text = ""
        url = f"{two.url}/threads/{thread['thread_id']}/runs/{run['run_id']}/stream"
        with client.stream("GET", url, headers={"Last-Event-ID": "0"}) as response:
            event = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "messages":
                    text += json.loads(line[6:])[0]["content"]
    assert text == "This is a scripted reply from Atrium's benchmark model, streamed word by word."


def test_thread_stream_follows_runs_created_on_another_replica(
    replicas: list[AtriumProcess],
) -> None:
    """A thread's stream read from one replica carries the runs started through the other."""
    one, two = replicas
    owner = premium(register(one.url))
    headers = {"x-api-key": api_key(owner, role="admin")}
    with httpx.Client(headers=headers, timeout=60) as client:
        start_run = _ThreadOn(client, one.url, "scripted/fast")
        thread = start_run.thread
        seen: list[str] = []
        text: list[str] = []

        def follow() -> None:
            url = f"{two.url}/threads/{thread['thread_id']}/stream"
            with client.stream("GET", url, params={"stream_mode": "messages-tuple"}) as response:
                event = ""
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                        seen.append(event)
                    elif line.startswith("data: ") and event == "messages":
                        text.append(json.loads(line[6:])[0]["content"])
                    if "".join(text) == SCRIPTED:
                        return

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        time.sleep(0.5)  # the stream is open before the run exists
        start_run()
        reader.join(30)
        assert not reader.is_alive(), f"the thread stream saw only {seen}"
    assert "".join(text) == SCRIPTED and seen[0] == "metadata"


def test_a_removed_members_key_stops_on_every_replica_at_once(
    replicas: list[AtriumProcess], mailbox: Mailbox
) -> None:
    one, two = replicas
    owner = register(one.url)
    email = unique_email("leaver")
    r = owner.api.post("/tenants/current/members", json={"email": email, "role": "admin"})
    assert r.status_code == 201, r.text
    token = link_token(mailbox.wait_for(email, subject="invited"), "/invitations/accept")
    leaver = register(one.url, email=email, invitation_token=token)
    key = {"x-api-key": api_key(leaver, role="admin")}
    # Replica two now holds the key in its gateway's cache of authentications (5 s).
    for _ in range(2):
        assert httpx.get(f"{two.url}/v1/models", headers=key).status_code == 200
    assert owner.api.delete(f"/tenants/current/members/{leaver.user_id}").status_code == 204
    # Announced through Redis: well before replica two's cache entry would expire.
    deadline = time.monotonic() + 2.0
    while (status := httpx.get(f"{two.url}/v1/models", headers=key).status_code) == 200:
        assert time.monotonic() < deadline, "replica two still accepts the removed member's key"
        time.sleep(0.05)
    assert status == 401
