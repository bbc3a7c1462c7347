"""The HTTP clients this package makes for itself: one deadline per request, no plain-http proxy.

httpx's timeouts bound each read and write, not a request: a server that drips a byte a second
keeps a request alive as long as it likes, in the answer's head as well as in its body. Every
read, write and connect of a request passes through httpcore's network backend, so a backend
that cuts each operation's timeout to the time left before the request's deadline gives the
request as a whole a deadline:

    with deadline(time.monotonic() + 30):  # _deadline.py
        response = client.get(url)       # raises httpx.ReadTimeout (etc.) past the deadline

The deadline travels in a ContextVar (`_deadline`), which is per thread and per asyncio task.
An `http_client` the user passes in has no such backend: its answers' bodies are still bounded
(the clients check the deadline after each chunk), their heads only by httpx's per-read timeout.

Proxies: these clients take no proxy from the environment (HTTP_PROXY, ALL_PROXY, ...), so the
Bearer key never goes to a host that was not named in the client's own settings, and never in
clear to a plain-http proxy. To use a proxy, pass `http_client=httpx.Client(proxy=...)`.
"""

from __future__ import annotations

import httpx

from ._backend import Timeouts, with_deadlines


_TRANSPORTS = (httpx.HTTPTransport, httpx.AsyncHTTPTransport)


def _httpcore_timeouts() -> Timeouts:
    # httpx imports httpcore only when it makes a transport, and so does this package.
    import httpcore

    return Timeouts(
        connect=httpcore.ConnectTimeout, read=httpcore.ReadTimeout, write=httpcore.WriteTimeout
    )


def sync_client(limits: httpx.Limits) -> httpx.Client:
    """The `httpx.Client` a `CharacterClient` makes when it is given none."""
    # With a transport of its own, httpx reads no proxy from the environment (HTTP_PROXY,
    # HTTPS_PROXY, ALL_PROXY): see the module docstring.
    client = httpx.Client(limits=limits, transport=httpx.HTTPTransport(limits=limits))
    with_deadlines(client, _TRANSPORTS, _httpcore_timeouts())
    return client


def async_client(limits: httpx.Limits) -> httpx.AsyncClient:
    """The `httpx.AsyncClient` an `AsyncCharacterClient` makes when it is given none."""
    client = httpx.AsyncClient(limits=limits, transport=httpx.AsyncHTTPTransport(limits=limits))
    with_deadlines(client, _TRANSPORTS, _httpcore_timeouts())
    return client
