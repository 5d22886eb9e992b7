"""Test helpers: free ports, a live `atrium serve` process, an SMTP sink, an OIDC stub."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(
    url: str, *, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


@dataclass
class AtriumProcess:
    """`atrium serve` in a child process, its environment and its captured log."""

    env: dict[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atrium.cli", "serve"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_http(self.url + "/readyz", proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def atrium_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATRIUM_")}
    env.update(overrides)
    return env


@dataclass
class Mailbox:
    """Messages received by the test's aiosmtpd server."""

    messages: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, to: str, *, subject: str = "", timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for msg in self.messages:
                    if msg["To"] == to and subject in str(msg["Subject"]):
                        return msg
            time.sleep(0.05)
        raise AssertionError(f"no e-mail to {to} with subject containing {subject!r}")

    def count(self, to: str) -> int:
        with self.lock:
            return sum(1 for m in self.messages if m["To"] == to)


def link_token(message: Any, path: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


_open_clients: list[httpx.Client] = []


def close_clients() -> None:
    while _open_clients:
        _open_clients.pop().close()


class Api:
    """A thin httpx wrapper for one principal (closed at the end of the session)."""

    def __init__(self, base_url: str, token: str | None = None, *, header: str = "bearer"):
        headers = {}
        if token is not None:
            headers = (
                {"Authorization": f"Bearer {token}"} if header == "bearer" else {"x-api-key": token}
            )
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=30.0)
        _open_clients.append(self.http)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)


@dataclass
class Account:
    email: str
    password: str
    user_id: str
    tenant_id: str
    tokens: dict[str, Any]
    api: Api


def register(
    base_url: str,
    *,
    email: str | None = None,
    password: str = "correct horse 1",
    full_name: str = "Test User",
    **extra: Any,
) -> Account:
    email = email or unique_email()
    r = httpx.post(
        f"{base_url}/auth/register",
        json={"email": email, "password": password, "full_name": full_name, **extra},
    )
    assert r.status_code == 201, r.text
    tokens = r.json()
    api = Api(base_url, tokens["access_token"])
    me = api.get("/auth/me").json()
    return Account(email, password, me["user"]["id"], tokens["tenant_id"], tokens, api)


def premium(account: Account) -> Account:
    """Move the account's tenant to Premium (every model allowed)."""
    r = account.api.post("/tenants/subscribe", json={"plan_id": "premium"})
    assert r.status_code == 200, r.text
    return account


def api_key(account: Account, role: str = "member") -> str:
    r = account.api.post("/api-keys", json={"name": "gateway", "role": role})
    assert r.status_code == 201, r.text
    return str(r.json()["key"])
