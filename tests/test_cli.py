"""The `atrium` command: settings validation, embedded data reuse, instances side by side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import AtriumProcess, atrium_env, free_port, register


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ATRIUM_PORT", "not-a-port"),
        ("ATRIUM_PORT", "70000"),
        ("ATRIUM_LOGIN_RATE_PER_IP", "banana"),
        ("ATRIUM_SMTP_SECURITY", "maybe"),
    ],
)
def test_wrong_setting_stops_start_up_naming_it(tmp_path: Path, name: str, value: str) -> None:
    env = atrium_env(ATRIUM_DATA_DIR=str(tmp_path), **{name: value})
    done = subprocess.run(
        [sys.executable, "-m", "atrium.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert name in done.stderr
    assert "Traceback" not in done.stderr


def test_two_instances_side_by_side_and_restart_reuses_data(tmp_path: Path) -> None:
    one = AtriumProcess(
        env=atrium_env(ATRIUM_DATA_DIR=str(tmp_path / "one"), ATRIUM_PORT=str(free_port())),
        log_path=tmp_path / "one.log",
        port=0,
    )
    one.port = int(one.env["ATRIUM_PORT"])
    two = AtriumProcess(
        env=atrium_env(ATRIUM_DATA_DIR=str(tmp_path / "two"), ATRIUM_PORT=str(free_port())),
        log_path=tmp_path / "two.log",
        port=0,
    )
    two.port = int(two.env["ATRIUM_PORT"])
    one.start()
    try:
        two.start()
        try:
            acct = register(one.url)
            assert httpx.get(f"{two.url}/healthz").status_code == 200
            other = httpx.post(
                f"{two.url}/auth/login", json={"email": acct.email, "password": acct.password}
            )
            assert other.status_code == 401  # separate data
        finally:
            two.stop()
    finally:
        one.stop()
    assert (tmp_path / "one" / "secret_key").exists()

    one.start()
    try:
        again = httpx.post(
            f"{one.url}/auth/login", json={"email": acct.email, "password": acct.password}
        )
        assert again.status_code == 200
        # the generated secret key was reused too: the old access token still verifies
        me = httpx.get(
            f"{one.url}/auth/me", headers={"Authorization": f"Bearer {acct.tokens['access_token']}"}
        )
        assert me.status_code == 200
    finally:
        one.stop()
