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

import contextlib
import functools
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import attrs
import httpcore

from tests.conftest import HTTPX2, http_client

if HTTPX2:
    import httpcore2


@attrs.frozen
class RawRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Script = Callable[[RawRequest], Iterable[bytes | float]]


def head(
    status: int,
    *,
    length: int | None = None,
    content_type: str = "application/json",
    **headers: str,
) -> bytes:
    """A response head; `headers` by their Python names (content_encoding="gzip", location=...)."""
    # Connection: close, since each connection serves one script: no client may reuse it.
    lines = [f"HTTP/1.1 {status} Whatever", f"Content-Type: {content_type}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name.replace('_', '-').title()}: {value}" for name, value in headers.items()]
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
        # Set here, not in the accept thread: a test that is over before that thread first
        # runs closes the listener under it.
        self._listener.settimeout(0.1)
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
        with contextlib.suppress(OSError):  # wakes the accept() waiting in _accept at once
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
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


@functools.cache
def gzip_zeros() -> tuple[bytes, bytes]:
    """The start of an endless gzip stream of zeros, and a piece that goes on after it as often
    as you like: about 1 kB of it decodes to 1 MiB (zlib's ratio tops out near 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    # After a full flush the compressor starts afresh, so each later block is the same bytes.
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, piece


# -- a network of the test's own: public-looking names on loopback, every connect recorded -----

LOOPBACK = {"127.0.0.1", "localhost", "::1", "127.1", "2130706433"}


class Network:
    """What an `http_client` built by `client()` may reach: each name of `names` is 127.0.0.1
    (so a test's server can play a public image host), loopback is itself, and anything else
    (10.1.2.3, 169.254.169.254) has no route: refused at once. `connects` is every host a
    connection was attempted to, in order, whatever came of it."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)
        self.connects: list[str] = []

    def route(self, host: str) -> str:
        self.connects.append(host)
        if host in self.names:
            return "127.0.0.1"
        if host in LOOPBACK:
            return host
        # The pool's own httpcore's error, which its httpx maps to ConnectError.
        no_route = httpcore2.ConnectError if HTTPX2 else httpcore.ConnectError
        raise no_route(f"no route to {host} on the test's network")

    def client(self, kind: str) -> Any:
        """An HTTP client of `kind` ("sync" or "async") on this network (`http_client()`:
        httpx's, or httpx2's under `nox -s httpx2`)."""
        http = http_client(kind)
        pool = http._transport._pool
        routed = _Routed if kind == "sync" else _AsyncRouted
        pool._network_backend = routed(pool._network_backend, self)
        return http


# httpcore's and httpcore2's pools call their backend by name: one wrapper serves both.


class _Routed:
    def __init__(self, backend: Any, network: Network) -> None:
        self._backend = backend
        self._network = network

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return self._backend.connect_tcp(self._network.route(host), port, *args, **kwargs)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncRouted:
    def __init__(self, backend: Any, network: Network) -> None:
        self._backend = backend
        self._network = network

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return await self._backend.connect_tcp(self._network.route(host), port, *args, **kwargs)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)
