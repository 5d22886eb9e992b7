"""A small web server the tool tests start on 127.0.0.1: pages, redirects, oversized and slow
answers, and a SearXNG-shaped `/search`. It records every request it gets, so a test can
check that a refused call reached nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE = b"""<!doctype html>
<html><head><title>Lighthouses of Brittany</title>
<script>document.write("SECRET_SCRIPT_CONTENT");</script>
<style>body { color: red }</style></head>
<body><nav>Home | About | Contact</nav>
<article><h1>Lighthouses of Brittany</h1>
<p>The lighthouse at Ar Men stands on a rock at the far end of the Chaussee de Sein. It took
fourteen years to build, from 1867 to 1881, because workers could land on the rock only a few
days each summer.</p>
<p>Its keepers called it hell among hells: waves broke over the lantern in winter storms, and
reliefs were often weeks late. The light was automated in 1990.</p>
</article>
<script>var leaked = "SECRET_SCRIPT_CONTENT";</script>
</body></html>"""


# SearXNG's `format=json` answer (searx/webapp.py, `search()`): the query, the result count,
# `results` (each with url, title, content, engine, parsed_url, template, engines, positions,
# score, category, publishedDate), and answers, corrections, infoboxes, suggestions,
# unresponsive_engines.
def searx_answer(query: str) -> dict[str, Any]:
    results = [
        {
            "url": f"https://example.org/{n}",
            "title": f"Result {n} for {query}",
            "content": f"Snippet number {n} about {query}.",
            "engine": "duckduckgo",
            "parsed_url": ["https", "example.org", f"/{n}", "", "", ""],
            "template": "default.html",
            "engines": ["duckduckgo", "brave"],
            "positions": [n],
            "score": 1.0 / n,
            "category": "general",
            "publishedDate": None,
        }
        for n in range(1, 9)
    ]
    return {
        "query": query,
        "number_of_results": 0,
        "results": results,
        "answers": [],
        "corrections": [],
        "infoboxes": [],
        "suggestions": [f"{query} history"],
        "unresponsive_engines": [],
    }


class WebServer:
    """Serves on 127.0.0.1 (a free port) in a thread until the block ends."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.handle(self)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append(self.path)
                server.handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()  # a slow answer stops waiting
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def paths(self, prefix: str) -> list[str]:
        return [p for p in self.requests if p.startswith(prefix)]

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/page":
            self._send(h, 200, PAGE)
        elif path == "/text":
            self._send(h, 200, b"Plain words, nothing else.", "text/plain; charset=utf-8")
        elif path == "/image":
            self._send(h, 200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png")
        elif path == "/redirect":
            self._send(h, 302, headers={"Location": query["to"][0]})
        elif path == "/loop":
            self._send(h, 302, headers={"Location": "/loop"})
        elif path == "/big":
            self._send(h, 200, b"x" * 200_000, "text/plain")
        elif path == "/chunked":
            h.send_response(200)
            h.send_header("Content-Type", "text/plain")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            piece = b"y" * 10_000
            for _ in range(20):
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            h.wfile.write(b"0\r\n\r\n")
        elif path == "/slow":
            self._stop.wait(10)
            self._send(h, 200, b"late", "text/plain")
        elif path == "/search":
            body = json.dumps(searx_answer(query.get("q", [""])[0])).encode()
            self._send(h, 200, body, "application/json")
        else:
            self._send(h, 404, b"not here", "text/plain")
