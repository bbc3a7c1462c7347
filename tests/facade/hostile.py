"""A hostile HTTP server on loopback: every answer is scripted bytes, pauses and stalls.

    def script(request: RawRequest) -> Iterator[bytes | float]:
        yield head(200, length=10**9)     # promise a gigabyte...
        while True:
            yield b"x"                    # ...and drip it, a byte at a time
            yield 0.05

    with HostileServer(script) as server:
        client = CharacterClient(api_key=KEY, base_url=server.url)

A script yields bytes to send and floats to sleep; when it ends the connection is closed. Every
script is cut off after `lifetime` seconds, so that code that fails to bound its wait makes a
test fail (too slow, or an error) rather than hang the suite.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import attrs


@attrs.frozen
class RawRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Script = Callable[[RawRequest], Iterable[bytes | float]]


def head(
    status: int, *, length: int | None = None, content_type: str = "application/json"
) -> bytes:
    # Connection: close, since each connection serves one script: no client may reuse it.
    lines = [f"HTTP/1.1 {status} Whatever", f"Content-Type: {content_type}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    return head(status, length=len(body), content_type=content_type) + body


def envelope(data: Any, code: int = 200, msg: str = "success") -> bytes:
    return json.dumps({"code": code, "msg": msg, "data": data}).encode()


class HostileServer:
    def __init__(self, script: Script, *, lifetime: float = 8.0) -> None:
        self._script = script
        self._lifetime = lifetime
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self.requests: list[RawRequest] = []
        self.bytes_sent = 0
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        deadline = time.monotonic() + self._lifetime
        with connection:
            connection.settimeout(1.0)
            try:
                request = _read_request(connection)
            except (OSError, ValueError):
                return
            if request is None:
                return
            self.requests.append(request)
            try:
                for step in self._script(request):
                    if self._stop.is_set() or time.monotonic() > deadline:
                        return
                    if isinstance(step, float):
                        self._stop.wait(step)
                    else:
                        connection.sendall(step)
                        self.bytes_sent += len(step)
            except OSError:
                return  # the client hung up: that is what a bounded client does


def _read_request(connection: socket.socket) -> RawRequest | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawRequest(method, path, headers, body)


def drip(first: bytes, piece: bytes = b" ", every: float = 0.05) -> Iterator[bytes | float]:
    """`first`, then `piece` every `every` seconds, forever (until the server's lifetime)."""
    yield first
    while True:
        yield piece
        yield every
