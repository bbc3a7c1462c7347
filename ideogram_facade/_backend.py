"""Network backends that cut every operation to the time left before the request's deadline.

httpx and httpx2 each build a pool of their own httpcore (httpcore, httpcore2) and take no
network backend; both pools call theirs by name only (`connect_tcp`, `read`, ...), never
through `isinstance`, so one wrapper serves both. What differs is what it raises when time
runs out: each library maps only its own httpcore's exceptions to its own, so the wrapper
raises the classes of the pool it sits in (`Timeouts`).

    with_deadlines(client, (httpx.HTTPTransport, httpx.AsyncHTTPTransport), timeouts)

Nothing here imports either library: `_transport` (httpx) and `_httpx2` name their classes.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from typing import Any, Protocol

import attrs

from ._deadline import _DEADLINE


@attrs.frozen
class Timeouts:
    """What the wrapper raises: one httpcore's ConnectTimeout, ReadTimeout and WriteTimeout."""

    connect: type[Exception]
    read: type[Exception]
    write: type[Exception]


def with_deadlines(
    client: Any, transports: tuple[type[Any], type[Any]], timeouts: Timeouts
) -> None:
    """Give every pool of `client` (an httpx or httpx2 client) a backend that keeps each
    connect, read and write within the request's deadline.

    `transports` are the library's (HTTPTransport, AsyncHTTPTransport): the client's own
    transport and every mounted one (a proxy's, from `proxy=`, `mounts=` or the environment)
    that is one of them. A transport of another kind is the user's and is left as it is;
    through it only the answer's body is bounded (the clients check the deadline after each
    chunk). `_transport`, `_mounts`, `_pool` and `_network_backend` are private, but the
    same in every httpx and httpx2 version the dependency ranges allow; the hostile tests fail
    at once if one moves. Wrapping twice is skipped: clients may share one `http_client`.
    """
    sync_type, async_type = transports
    for transport in (client._transport, *client._mounts.values()):
        if not isinstance(transport, sync_type | async_type):
            continue
        pool = transport._pool
        if isinstance(pool._network_backend, _Backend | _AsyncBackend):
            continue
        wrapper = _AsyncBackend if isinstance(transport, async_type) else _Backend
        pool._network_backend = wrapper(pool._network_backend, timeouts)


def _left(timeout: float | None, timed_out: type[Exception]) -> float | None:
    when = _DEADLINE.get()
    if when is None:
        return timeout
    left = when - time.monotonic()
    if left <= 0:
        raise timed_out("the request did not complete within its deadline")
    return left if timeout is None else min(timeout, left)


# What the wrappers wrap: the interface of httpcore's and httpcore2's backends and streams.


class _InnerStream(Protocol):
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...
    def write(self, buffer: bytes, timeout: float | None = None) -> None: ...
    def close(self) -> None: ...
    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _InnerStream: ...
    def get_extra_info(self, info: str) -> Any: ...


class _InnerBackend(Protocol):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _InnerStream: ...
    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> _InnerStream: ...
    def sleep(self, seconds: float) -> None: ...


class _InnerAsyncStream(Protocol):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...
    async def write(self, buffer: bytes, timeout: float | None = None) -> None: ...
    async def aclose(self) -> None: ...
    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _InnerAsyncStream: ...
    def get_extra_info(self, info: str) -> Any: ...


class _InnerAsyncBackend(Protocol):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _InnerAsyncStream: ...
    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> _InnerAsyncStream: ...
    async def sleep(self, seconds: float) -> None: ...


class _Stream:
    def __init__(self, stream: _InnerStream, timeouts: Timeouts) -> None:
        self._stream = stream
        self._timeouts = timeouts

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, self._timeouts.read))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, self._timeouts.write))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, self._timeouts.connect)
        )
        return _Stream(tls, self._timeouts)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend:
    def __init__(self, backend: _InnerBackend, timeouts: Timeouts) -> None:
        self._backend = backend
        self._timeouts = timeouts

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _Stream:
        stream = self._backend.connect_tcp(
            host, port, _left(timeout, self._timeouts.connect), local_address, socket_options
        )
        return _Stream(stream, self._timeouts)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _Stream:
        stream = self._backend.connect_unix_socket(
            path, _left(timeout, self._timeouts.connect), socket_options
        )
        return _Stream(stream, self._timeouts)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncStream:
    def __init__(self, stream: _InnerAsyncStream, timeouts: Timeouts) -> None:
        self._stream = stream
        self._timeouts = timeouts

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _left(timeout, self._timeouts.read))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _left(timeout, self._timeouts.write))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _AsyncStream:
        tls = await self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, self._timeouts.connect)
        )
        return _AsyncStream(tls, self._timeouts)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _AsyncBackend:
    def __init__(self, backend: _InnerAsyncBackend, timeouts: Timeouts) -> None:
        self._backend = backend
        self._timeouts = timeouts

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _AsyncStream:
        stream = await self._backend.connect_tcp(
            host, port, _left(timeout, self._timeouts.connect), local_address, socket_options
        )
        return _AsyncStream(stream, self._timeouts)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _AsyncStream:
        stream = await self._backend.connect_unix_socket(
            path, _left(timeout, self._timeouts.connect), socket_options
        )
        return _AsyncStream(stream, self._timeouts)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)
