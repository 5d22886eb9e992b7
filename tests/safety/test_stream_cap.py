"""Open streams per API key are capped (ATRIUM_MAX_STREAMS_PER_KEY, 20 by default): the
gateway's streamed completions and the runs' streams count together, and a stream's slot is
released when its client goes away."""

from __future__ import annotations

import contextlib
import time

import httpx

from tests.support import api_key, premium, register

CAP = 20  # the default; the test server does not change it


def test_streams_per_key_are_capped_and_released(base_url: str) -> None:
    owner = premium(register(base_url))
    key, other_key = api_key(owner), api_key(owner)
    limits = httpx.Limits(max_connections=2 * CAP)
    with (
        httpx.Client(
            base_url=base_url, headers={"x-api-key": key}, limits=limits, timeout=30
        ) as client,
        contextlib.ExitStack() as open_streams,
    ):
        tid = client.post("/threads", json={}).json()["thread_id"]
        # A thread's stream stays open until its client leaves: it follows every later run.
        held = []
        for _ in range(CAP):
            stream = open_streams.enter_context(client.stream("GET", f"/threads/{tid}/stream"))
            assert stream.status_code == 200
            held.append(stream)

        refused = client.get(f"/threads/{tid}/stream")
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.headers["retry-after"] == "1"

        chat = {"model": "scripted/fast", "messages": [{"role": "user", "content": "x"}]}
        streamed = client.post("/v1/chat/completions", json={**chat, "stream": True})
        assert streamed.status_code == 429, streamed.text
        assert streamed.json()["error"]["type"] == "rate_limit_error"  # OpenAI's shape
        # what is not a stream is not capped, nor is another key
        assert client.post("/v1/chat/completions", json=chat).status_code == 200
        with httpx.Client(base_url=base_url, headers={"x-api-key": other_key}) as other:
            r = other.post("/v1/chat/completions", json={**chat, "stream": True})
            assert r.status_code == 200, r.text
            assert "[DONE]" in r.text

        held.pop().close()  # the client goes away: its slot is freed
        deadline = time.monotonic() + 10
        while True:
            r = client.post("/v1/chat/completions", json={**chat, "stream": True})
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.status_code == 200, r.text
        # a finished stream freed its slot too
        assert client.post("/v1/chat/completions", json={**chat, "stream": True}).is_success
