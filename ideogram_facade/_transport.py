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

Certificates: httpx loads the whole CA bundle into a new TLS context for every client it makes,
about 20 ms of CPU each; the clients made here share one context instead (`tls_context`), made
again only when the environment names other certificates than the last one was made with.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

# What httpx reads from the environment when it makes a TLS context (trust_env, the default).
_TLS_ENVIRONMENT = ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE")


def tls_context() -> ssl.SSLContext:
    """The TLS context httpx would make for a new client, shared by every client that asks
    while the environment's certificate settings stay the same. (httpcore sets the context's
    ALPN protocols on each connection, to http/1.1 alone for every client here.)"""
    return _tls_context_for(tuple(os.environ.get(name) for name in _TLS_ENVIRONMENT))


@functools.lru_cache(maxsize=1)
def _tls_context_for(environment: tuple[str | None, ...]) -> ssl.SSLContext:
    # `environment` is only the cache's key: httpx reads the variables itself.
    return httpx.create_ssl_context()


def _with_deadlines(transport: httpx.HTTPTransport | httpx.AsyncHTTPTransport) -> None:
    # httpx builds its httpcore pool itself and takes no network backend; `_pool` and
    # `_network_backend` are private, but stable across every httpx and httpcore version the
    # dependency ranges allow (tests/facade/test_hostile.py fails at once if they move).
    from ._backend import _AsyncBackend, _Backend

    if isinstance(transport, httpx.AsyncHTTPTransport):
        async_pool = transport._pool
        async_pool._network_backend = _AsyncBackend(async_pool._network_backend)
    else:
        pool = transport._pool
        pool._network_backend = _Backend(pool._network_backend)


def sync_client(limits: httpx.Limits) -> httpx.Client:
    """The `httpx.Client` a `CharacterClient` makes when it is given none."""
    transport = httpx.HTTPTransport(limits=limits, verify=tls_context())
    _with_deadlines(transport)
    # With a transport of its own, httpx reads no proxy from the environment (HTTP_PROXY,
    # HTTPS_PROXY, ALL_PROXY): see the module docstring.
    return httpx.Client(limits=limits, transport=transport)


def async_client(limits: httpx.Limits) -> httpx.AsyncClient:
    """The `httpx.AsyncClient` an `AsyncCharacterClient` makes when it is given none."""
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=tls_context())
    _with_deadlines(transport)
    return httpx.AsyncClient(limits=limits, transport=transport)
