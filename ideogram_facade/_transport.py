"""The HTTP clients this package makes for itself: one deadline per request, no plain-http proxy.

httpx's timeouts bound each read and write, not a request: a server that drips a byte a second
keeps a request alive as long as it likes, in the answer's head as well as in its body. Every
read, write and connect of a request passes through httpcore's network backend, so a backend
that cuts each operation's timeout to the time left before the request's deadline gives the
request as a whole a deadline:

    with deadline(time.monotonic() + 30):
        response = client.get(url)       # raises httpx.ReadTimeout (etc.) past the deadline

The deadline travels in a ContextVar, which is per thread and per asyncio task. An `http_client`
the user passes in has no such backend: its answers' bodies are still bounded (the clients
check the deadline after each chunk), their heads only by httpx's per-read timeout.

Proxies: these clients take no proxy from the environment (HTTP_PROXY, ALL_PROXY, ...), so the
Bearer key never goes to a host that was not named in the client's own settings, and never in
clear to a plain-http proxy. To use a proxy, pass `http_client=httpx.Client(proxy=...)`.
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "ideogram_facade_request_deadline", default=None
)


@contextlib.contextmanager
def deadline(when: float) -> Iterator[None]:
    """Every network operation of this thread/task fails once `time.monotonic()` is `when`."""
    token = _DEADLINE.set(when)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def past_deadline(when: float) -> None:
    """Raise httpx.ReadTimeout once `when` has passed: checked after each chunk of a body, so
    that an `http_client` without our backend cannot drip an answer past it either."""
    if time.monotonic() >= when:
        raise httpx.ReadTimeout("the answer did not arrive whole within the request's deadline")


def _left(timeout: float | None, timed_out: type[Exception]) -> float | None:
    when = _DEADLINE.get()
    if when is None:
        return timeout
    left = when - time.monotonic()
    if left <= 0:
        raise timed_out("the request did not complete within its deadline")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _Stream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)
        )
        return _AsyncStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _AsyncStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _AsyncStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _with_deadlines(transport: httpx.HTTPTransport | httpx.AsyncHTTPTransport) -> None:
    # httpx builds its httpcore pool itself and takes no network backend; `_pool` and
    # `_network_backend` are private, but stable across every httpx and httpcore version the
    # dependency ranges allow (tests/facade/test_hostile.py fails at once if they move).
    if isinstance(transport, httpx.AsyncHTTPTransport):
        async_pool = transport._pool
        async_pool._network_backend = _AsyncBackend(async_pool._network_backend)
    else:
        pool = transport._pool
        pool._network_backend = _Backend(pool._network_backend)


def sync_client(limits: httpx.Limits) -> httpx.Client:
    """The `httpx.Client` a `CharacterClient` makes when it is given none."""
    transport = httpx.HTTPTransport(limits=limits)
    _with_deadlines(transport)
    # With a transport of its own, httpx reads no proxy from the environment (HTTP_PROXY,
    # HTTPS_PROXY, ALL_PROXY): see the module docstring.
    return httpx.Client(limits=limits, transport=transport)


def async_client(limits: httpx.Limits) -> httpx.AsyncClient:
    """The `httpx.AsyncClient` an `AsyncCharacterClient` makes when it is given none."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    _with_deadlines(transport)
    return httpx.AsyncClient(limits=limits, transport=transport)
