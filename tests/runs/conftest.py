"""Fixtures of the runs tests: a Premium account per module and a langgraph-sdk client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.support import Account, api_key, premium, register


@pytest.fixture(scope="module")
def account(base_url: str) -> Account:
    return premium(register(base_url))


@pytest.fixture
async def client(base_url: str, account: Account) -> AsyncIterator[LangGraphClient]:
    c = get_client(url=base_url, api_key=api_key(account, role="admin"))
    yield c
    await c.http.client.aclose()
