"""A request body over ATRIUM_MAX_BODY_BYTES gets 413 before it is read whole (issue 9,
finding 7): over a raw socket, a body that never ends still gets its answer."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

LIMIT = 10 * 1024 * 1024  # the default; the test server does not change it
CHUNK = b"x" * 65536


def _exchange(base_url: str, head: bytes, body: Iterator[bytes]) -> tuple[bytes, int]:
    """Sends `head`, then `body` until the server answers; the answer and the body bytes
    sent."""
    parts = urlsplit(base_url)
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        deadline = time.monotonic() + 30
        for piece in body:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable or time.monotonic() > deadline:
                break
            try:
                sock.sendall(piece)
            except OSError:  # the server answered and closed: read the answer
                break
            sent += len(piece)
        answer = b""
        while b"\r\n\r\n" not in answer or not _complete(answer):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    return answer, sent


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _forever() -> Iterator[bytes]:
    while True:
        yield CHUNK


def _error(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    error = json.loads(body)["error"]
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    ("path", "openai_shape"), [("/auth/register", False), ("/v1/chat/completions", True)]
)
def test_a_huge_content_length_is_refused_before_the_body(
    base_url: str, path: str, openai_shape: bool
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: atrium\r\ncontent-type: application/json\r\n"
        f"content-length: {10**12}\r\n\r\n"
    ).encode()
    answer, sent = _exchange(base_url, head, _forever())
    error = _error(answer)
    assert sent < LIMIT
    if openai_shape:
        assert set(error) == {"message", "type", "param", "code"}
        assert error["code"] == "payload_too_large"
        assert error["type"] == "invalid_request_error"
    else:
        assert error["code"] == "payload_too_large"
        assert str(LIMIT) in str(error["message"])


def test_a_chunked_body_that_never_ends_is_refused_past_the_limit(base_url: str) -> None:
    head = (
        b"POST /auth/register HTTP/1.1\r\nHost: atrium\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    chunks = (f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in _forever())
    answer, sent = _exchange(base_url, head, chunks)
    assert _error(answer)["code"] == "payload_too_large"
    # read up to the limit, and no further than what the sockets' buffers hold past it
    assert LIMIT < sent < LIMIT + 8 * 1024 * 1024


def test_a_body_under_the_limit_is_read(base_url: str) -> None:
    body = json.dumps({"email": "a@example.com", "password": "x" * 1000, "full_name": "x"})
    head = (
        f"POST /auth/register HTTP/1.1\r\nHost: atrium\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n{body}"
    ).encode()
    answer, _ = _exchange(base_url, head, iter(()))
    assert answer.startswith(b"HTTP/1.1 422"), answer[:200]
