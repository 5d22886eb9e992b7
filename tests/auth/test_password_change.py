"""A password set by an operator (`atrium admin create-platform-admin` for an existing user)
ends the user's sessions and API keys in every tenant, as a reset by e-mail does."""

from __future__ import annotations

import subprocess
import sys

import httpx

from tests.support import AtriumProcess, api_key, register


def test_an_operator_set_password_ends_sessions_and_keys(server: AtriumProcess) -> None:
    acct = register(server.url)
    key = {"x-api-key": api_key(acct, role="admin")}
    assert httpx.get(f"{server.url}/tenants/current", headers=key).status_code == 200
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "atrium.cli",
            "admin",
            "create-platform-admin",
            "--email",
            acct.email,
        ],
        env={**server.env, "ATRIUM_ADMIN_PASSWORD": "set by the operator"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert httpx.get(f"{server.url}/tenants/current", headers=key).status_code == 401
    assert acct.api.get("/tenants/current").status_code == 401  # the access token too
    refresh = {"refresh_token": acct.tokens["refresh_token"]}
    assert httpx.post(f"{server.url}/auth/refresh", json=refresh).status_code == 401
    login = {"email": acct.email, "password": "set by the operator"}
    signed_in = httpx.post(f"{server.url}/auth/login", json=login)
    assert signed_in.status_code == 200, signed_in.text
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert httpx.get(f"{server.url}/tenants/current", headers=bearer).status_code == 200
