"""A user's httpx2 client, spoken to as the clients speak to httpx's.

httpx2 (the `httpx2` extra) is a fork of httpx with its own httpcore (httpcore2), and no class
is shared: not `Timeout`, not one exception, not the network backend. The clients' core knows
only httpx's, so a user's `httpx2.Client`/`AsyncClient` is wrapped here: each request's
`httpx.Timeout` goes in as an `httpx2.Timeout` of the same four fields (httpx2 refuses httpx's),
and each httpx2 error comes out as the httpx error of the same name, which the core reads as it
reads httpx's (what was never sent, what timed out). The user's pools get the deadline backend
of `_backend`, raising httpcore2's timeouts, which httpx2 maps to its own.

The only module that imports httpx2, and `_transport` imports it only once it is handed an
httpx2 client: a program without httpx2 never loads it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpcore2
import httpx
import httpx2

from ._backend import Timeouts, with_deadlines

TIMEOUTS = Timeouts(
    connect=httpcore2.ConnectTimeout, read=httpcore2.ReadTimeout, write=httpcore2.WriteTimeout
)


def httpx2_timeout(value: httpx.Timeout) -> httpx2.Timeout:
    return httpx2.Timeout(**value.as_dict())


def httpx_error(error: httpx2.HTTPError) -> httpx.HTTPError:
    """The httpx error of the same name as `error`'s class, or as its nearest ancestor's (an
    `httpx2.SSEError` is a `TransportError`): the two libraries' trees have the same shape."""
    for cls in type(error).__mro__:
        same = getattr(httpx, cls.__name__, None)
        if isinstance(same, type) and issubclass(same, httpx.RequestError):
            return same(str(error))
    return httpx.HTTPError(str(error))


class Client:
    """A user's `httpx2.Client` with the deadline backend in its pools; `stream()` as httpx's."""

    def __init__(self, client: httpx2.Client) -> None:
        with_deadlines(client, (httpx2.HTTPTransport, httpx2.AsyncHTTPTransport), TIMEOUTS)
        self.client = client

    @contextlib.contextmanager
    def stream(
        self, method: str, url: str, *, timeout: httpx.Timeout, **options: Any
    ) -> Iterator[httpx2.Response]:
        try:
            with self.client.stream(
                method, url, timeout=httpx2_timeout(timeout), **options
            ) as response:
                yield response
        except httpx2.HTTPError as error:
            raise httpx_error(error) from error


class AsyncClient:
    """A user's `httpx2.AsyncClient` with the deadline backend in its pools; `stream()` as
    httpx's."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        with_deadlines(client, (httpx2.HTTPTransport, httpx2.AsyncHTTPTransport), TIMEOUTS)
        self.client = client

    @contextlib.asynccontextmanager
    async def stream(
        self, method: str, url: str, *, timeout: httpx.Timeout, **options: Any
    ) -> AsyncIterator[httpx2.Response]:
        try:
            async with self.client.stream(
                method, url, timeout=httpx2_timeout(timeout), **options
            ) as response:
                yield response
        except httpx2.HTTPError as error:
            raise httpx_error(error) from error
