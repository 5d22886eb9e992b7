"""Test helpers: free ports, a live `atrium serve` process, its embedded PostgreSQL, an SMTP
sink and the live tier's HTTP accounts."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
    _log: IO[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        _SERVERS[self.url] = self
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atrium.cli", "serve"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(self.url + "/readyz", proc=self.proc)
        except BaseException:
            self.stop()  # a server that never became ready is not left running
            raise

    def stop(self) -> None:
        _SERVERS.pop(self.url, None)
        _PLATFORM_ADMINS.pop(self.url, None)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# The running servers by URL, so that a live-tier helper given only an account can reach
# the server's CLI (see `premium`).
_SERVERS: dict[str, AtriumProcess] = {}
_PLATFORM_ADMINS: dict[str, Api] = {}


def atrium_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATRIUM_")}
    env.update(overrides)
    return env


@dataclass(frozen=True)
class EmbeddedPostgres:
    """The embedded PostgreSQL (pgserver) of an Atrium data dir, found through the
    `postmaster.pid` file PostgreSQL writes into its data folder, without attaching to it.

    pgserver stops the server when the last process that attached to it exits cleanly; a
    process that attached and was killed (or never let go, like a test process holding a
    handle) leaves it running for good. Tests that start one call `stop()` when done.
    """

    data_dir: Path

    @property
    def pgdata(self) -> Path:
        return (self.data_dir / "pg").resolve()

    def _postmaster(self) -> tuple[int, list[str]] | None:
        """The postmaster's pid and the lines of its pid file, if it is running."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        return (pid, lines) if _runs_postgres(pid, lines[1]) else None

    def uri(self, database: str, *, user: str = "postgres") -> str:
        """A URI through the server's Unix socket (line 5 of the pid file)."""
        found = self._postmaster()
        assert found is not None, f"no PostgreSQL is running in {self.pgdata}"
        return f"postgresql://{user}:@/{database}?host={found[1][4].strip()}"

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT: clients disconnected, a checkpoint written), then SIGKILL."""
        found = self._postmaster()
        if found is None:
            return
        pid, lines = found
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while _runs_postgres(pid, lines[1]):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.05)


def _runs_postgres(pid: int, pgdata: str) -> bool:
    """Whether `pid` is a live (not zombie) postgres serving `pgdata`; a stale pid file may
    name a pid that another program reuses."""
    proc = Path(f"/proc/{pid}")
    try:
        cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and pgdata.strip().encode() in cmdline


@dataclass
class Mailbox:
    """Messages received by the test's aiosmtpd server (`port` once it listens)."""

    messages: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def _find(self, to: str, subject: str) -> Any:
        with self.lock:
            for msg in self.messages:
                if msg["To"] == to and subject in str(msg["Subject"]):
                    return msg
        return None

    def wait_for(self, to: str, *, subject: str = "", timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while (msg := self._find(to, subject)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {to} with subject containing {subject!r}")
            time.sleep(0.05)
        return msg

    async def receive(self, to: str, *, subject: str = "") -> Any:
        """`wait_for` for tests whose own event loop sends the mail (the in-process app)."""
        return await asyncio.to_thread(self.wait_for, to, subject=subject)

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


def make_platform_admin(server: AtriumProcess) -> Api:
    """A new platform administrator, created with the real CLI and signed in."""
    email = unique_email("platform")
    env = {**server.env, "ATRIUM_ADMIN_PASSWORD": "platform admin pw"}
    done = subprocess.run(
        [sys.executable, "-m", "atrium.cli", "admin", "create-platform-admin", "--email", email],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    login = httpx.post(
        f"{server.url}/auth/login", json={"email": email, "password": "platform admin pw"}
    )
    assert login.status_code == 200, login.text
    return Api(server.url, login.json()["access_token"])


def platform_admin_of(base_url: str) -> Api:
    """The platform administrator of the running server at `base_url` (one per server)."""
    base_url = base_url.rstrip("/")
    if base_url not in _PLATFORM_ADMINS:
        _PLATFORM_ADMINS[base_url] = make_platform_admin(_SERVERS[base_url])
    return _PLATFORM_ADMINS[base_url]


def set_plan(account: Account, plan_id: str) -> Account:
    """Move the account's tenant to `plan_id` as a platform administrator does: without
    Stripe, an owner cannot buy a paid plan (issue 9)."""
    admin = platform_admin_of(str(account.api.http.base_url))
    r = admin.patch(f"/admin/tenants/{account.tenant_id}", json={"plan_id": plan_id})
    assert r.status_code == 200 and r.json()["plan_id"] == plan_id, r.text
    return account


def premium(account: Account) -> Account:
    """Move the account's tenant to Premium (every model allowed)."""
    return set_plan(account, "premium")


def gold(account: Account) -> Account:
    """Move the account's tenant to Gold (every feature, BYOK included)."""
    return set_plan(account, "gold")


def api_key(account: Account, role: str = "member") -> str:
    r = account.api.post("/api-keys", json={"name": "gateway", "role": role})
    assert r.status_code == 201, r.text
    return str(r.json()["key"])
