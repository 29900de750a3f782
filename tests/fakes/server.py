"""A tiny scripted HTTP server on 127.0.0.1 for fake providers.

Each fake subclasses `FakeServer`, routes requests in `handle`, and counts calls by name so
tests can assert "exactly one paid create". Faults are scripted per route: a queue of
(status, headers, body) answers consumed before the normal behaviour.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict | list | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # sleep before answering (for client timeouts)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return self.body, "application/octet-stream"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


class FakeServer:
    """Start with `with FakeX() as fake:`; `fake.url` is the base URL."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: dict[str, deque[Reply]] = defaultdict(deque)
        self.log: list[Request] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                from urllib.parse import parse_qsl, urlsplit

                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake.lock:
                    fake.log.append(req)
                reply = fake.dispatch(req)
                if reply.delay_s:
                    import time

                    time.sleep(reply.delay_s)
                data, ctype = reply.encoded()
                try:
                    self.send_response(reply.status)
                    headers = {
                        "content-type": ctype,
                        **{k.lower(): v for k, v in reply.headers.items()},
                    }
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_DELETE = do_HEAD = _serve

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll: shutdown() waits for the next one (0.5 s by default, in every test).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def inject(self, route: str, *replies: Reply) -> None:
        """Answer the next calls to `route` with `replies`, in order, before behaving normally."""
        with self.lock:
            self.faults[route].extend(replies)

    def count(self, route: str) -> None:
        with self.lock:
            self.calls[route] += 1

    def fault(self, route: str) -> Reply | None:
        with self.lock:
            queue = self.faults.get(route)
            return queue.popleft() if queue else None

    def dispatch(self, req: Request) -> Reply:
        route, reply = self.handle(req)
        self.count(route)
        if (injected := self.fault(route)) is not None:
            return injected
        return reply() if callable(reply) else reply

    def handle(self, req: Request) -> tuple[str, Any]:
        """Return (route name, Reply or a zero-argument callable producing one)."""
        raise NotImplementedError
