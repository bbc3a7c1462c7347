"""Scripted misbehaviour: what the next requests to one endpoint get instead of a normal answer.

    fake.inject("createTask", Fault.http_status(429, retry_after=2), times=3)
    fake.inject("recordInfo", Fault.delay(1.5))           # processed, answered late
    fake.inject("createTask", Fault.close_after_body())   # accepted (and charged), never answered
    fake.inject("files", Fault.empty(500))
    fake.inject("recordInfo", Fault.drip(0.5))            # processed, answered a byte at a time
    fake.inject("createTask", Fault.raw(b"[" * 100_000))  # any bytes at all as the answer

Faults that answer with a status, a body code, broken JSON or an HTML page stand for a gateway
or a rate limiter in front of the service: the request is NOT processed. `delay` and
`close_after_body` happen after processing, `close_before_body` before the body is read; so
does `drip`, which sends the processed answer one byte every `seconds`. `raw` answers with
whatever bytes it is given (deep nesting, invalid UTF-8, a body of many megabytes).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Literal

import attrs

from ideogram_facade import _endpoints
from ideogram_facade.testing._wire import Response

# The fake's own name for GETs of result and uploaded files (not an endpoint of the API).
FILES = "files"
# What fake.inject() takes: each API endpoint by name, and FILES for the downloads.
ENDPOINTS = (*(endpoint.name for endpoint in _endpoints.ALL), FILES)

Kind = Literal[
    "http_status",
    "empty",
    "body_code",
    "malformed_json",
    "html_page",
    "delay",
    "close_before_body",
    "close_after_body",
    "drip",
    "raw",
]

_DEFAULT_MESSAGES = {
    401: "You do not have access permissions",
    402: "Credits insufficient",
    404: "Not Found",
    422: "Validation error",
    429: "Rate limited: too many requests",
    433: "Sub-key usage exceeds limit",
    455: "Service unavailable: system maintenance",
    500: "Server error",
    501: "Generation failed",
    505: "Feature disabled",
}

_HTML = """<html>
<head><title>{status} Bad Gateway</title></head>
<body>
<center><h1>{status} Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


@attrs.frozen
class Fault:
    """One scripted misbehaviour; build it with the class methods, not the constructor."""

    kind: Kind
    status: int = 200
    code: int | None = None
    msg: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    body: bytes = b""

    @classmethod
    def http_status(cls, status: int, retry_after: float | None = None) -> Fault:
        """HTTP `status` with a matching envelope (and Retry-After when given)."""
        return cls("http_status", status=status, code=status, retry_after=retry_after)

    @classmethod
    def empty(cls, status: int = 500) -> Fault:
        return cls("empty", status=status)

    @classmethod
    def body_code(cls, code: int, msg: str | None = None) -> Fault:
        """HTTP 200 carrying an error `code` in the body: the service's usual way to fail."""
        return cls("body_code", code=code, msg=msg)

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls("malformed_json")

    @classmethod
    def html_page(cls, status: int = 502) -> Fault:
        return cls("html_page", status=status)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        return cls("delay", seconds=seconds)

    @classmethod
    def close_before_body(cls) -> Fault:
        return cls("close_before_body")

    @classmethod
    def close_after_body(cls) -> Fault:
        return cls("close_after_body")

    @classmethod
    def drip(cls, seconds: float) -> Fault:
        """The real answer, one byte every `seconds`: a server (or proxy) that never quite ends."""
        return cls("drip", seconds=seconds)

    @classmethod
    def raw(cls, body: bytes, status: int = 200) -> Fault:
        """`body` as it is, whatever it holds: deep nesting, invalid UTF-8, megabytes."""
        return cls("raw", status=status, body=body)

    @property
    def processes_request(self) -> bool:
        return self.kind in ("delay", "close_after_body", "drip")

    def answer(self) -> Response:
        """The answer of a fault that replaces processing."""
        if self.kind == "empty":
            return Response(self.status, b"", content_type=None)
        if self.kind == "raw":
            return Response(self.status, self.body)
        if self.kind == "malformed_json":
            return Response(200, b'{"code": 200, "msg": "success", "data": {"taskId": "ta')
        if self.kind == "html_page":
            page = _HTML.format(status=self.status).encode()
            return Response(self.status, page, content_type="text/html")
        code = self.code if self.code is not None else self.status
        msg = self.msg or _DEFAULT_MESSAGES.get(code, f"error {code}")
        body = json.dumps({"code": code, "msg": msg, "data": None}).encode()
        headers: tuple[tuple[str, str], ...] = ()
        if self.retry_after is not None:
            headers = (("Retry-After", f"{self.retry_after:g}"),)
        status = self.status if self.kind == "http_status" else 200
        return Response(status, body, headers=headers, code=code)

    def after_processing(self, response: Response) -> Response:
        """The answer of a fault that lets the request be processed first."""
        if self.kind == "delay":
            return attrs.evolve(response, delay=self.seconds)
        if self.kind == "drip":
            return attrs.evolve(response, drip=self.seconds, close=True)
        return attrs.evolve(response, drop=True)


class FaultPlan:
    """Per-endpoint queues of scripted faults; safe to fill from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {}

    def inject(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {ENDPOINTS}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queues.setdefault(endpoint, deque()).extend([fault] * times)

    def take(self, endpoint: str, *, before_body: bool) -> Fault | None:
        """Pop the next fault, if any; `before_body` pops only a close_before_body."""
        with self._lock:
            queue = self._queues.get(endpoint)
            if not queue:
                return None
            if before_body != (queue[0].kind == "close_before_body"):
                return None
            return queue.popleft()

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()

    def pending(self, endpoint: str) -> int:
        with self._lock:
            return len(self._queues.get(endpoint, ()))
