"""The HTTP clients requests go through: one deadline per request, no plain-http proxy.

httpx's timeouts bound each read and write, not a request: a server that drips a byte a second
keeps a request alive as long as it likes, in the answer's head as well as in its body. Every
read, write and connect of a request passes through httpcore's network backend, so a backend
that cuts each operation's timeout to the time left before the request's deadline gives the
request as a whole a deadline:

    with deadline(time.monotonic() + 30):  # _deadline.py
        response = client.get(url)       # raises httpx.ReadTimeout (etc.) past the deadline

The deadline travels in a ContextVar (`_deadline`), which is per thread and per asyncio task.
The clients this package makes get that backend (`_backend`), and so does an `http_client` the
user passes in: httpx's or httpx2's (`_httpx2`), sync for `CharacterClient`, async for
`AsyncCharacterClient`; anything else is refused. Their transports, proxies and certificates
stay as the user set them: only the pools' network backends are wrapped, and the wrapper does
nothing outside this package's requests (no deadline is set then).

Proxies: the clients made here take no proxy from the environment (HTTP_PROXY, ALL_PROXY, ...),
so the Bearer key never goes to a host that was not named in the client's own settings, and
never in clear to a plain-http proxy. To use a proxy, pass `http_client=httpx.Client(proxy=...)`.

Certificates: httpx loads the whole CA bundle into a new TLS context for every client it makes,
about 20 ms of CPU each; the clients made here share one context instead (`tls_context`), made
again only when the environment names other certificates than the last one was made with.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
from typing import TYPE_CHECKING

import httpx

from ._backend import Timeouts, with_deadlines
from ._exceptions import InvalidRequestError

if TYPE_CHECKING:
    import httpx2

    from . import _httpx2

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


_TRANSPORTS = (httpx.HTTPTransport, httpx.AsyncHTTPTransport)


def _httpcore_timeouts() -> Timeouts:
    # httpx imports httpcore only when it makes a transport, and so does this package.
    import httpcore

    return Timeouts(
        connect=httpcore.ConnectTimeout, read=httpcore.ReadTimeout, write=httpcore.WriteTimeout
    )


def sync_client(limits: httpx.Limits) -> httpx.Client:
    """The `httpx.Client` a `CharacterClient` makes when it is given none."""
    transport = httpx.HTTPTransport(limits=limits, verify=tls_context())
    # With a transport of its own, httpx reads no proxy from the environment (HTTP_PROXY,
    # HTTPS_PROXY, ALL_PROXY): see the module docstring.
    client = httpx.Client(limits=limits, transport=transport)
    with_deadlines(client, _TRANSPORTS, _httpcore_timeouts())
    return client


def async_client(limits: httpx.Limits) -> httpx.AsyncClient:
    """The `httpx.AsyncClient` an `AsyncCharacterClient` makes when it is given none."""
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=tls_context())
    client = httpx.AsyncClient(limits=limits, transport=transport)
    with_deadlines(client, _TRANSPORTS, _httpcore_timeouts())
    return client


def sync_http(http_client: httpx.Client | httpx2.Client) -> httpx.Client | _httpx2.Client:
    """What a `CharacterClient` sends through when given `http_client`: the client itself
    (httpx's) or its `_httpx2` wrapper, its pools' backends bounded by each request's deadline.
    Anything else is refused here, before the first request."""
    if isinstance(http_client, httpx.Client):
        with_deadlines(http_client, _TRANSPORTS, _httpcore_timeouts())
        return http_client
    if _is_httpx2(http_client, "Client"):
        from . import _httpx2

        return _httpx2.Client(http_client)
    raise _refused(http_client, "CharacterClient", "Client", "AsyncCharacterClient")


def async_http(
    http_client: httpx.AsyncClient | httpx2.AsyncClient,
) -> httpx.AsyncClient | _httpx2.AsyncClient:
    """`sync_http` for an `AsyncCharacterClient`: an httpx or httpx2 `AsyncClient`."""
    if isinstance(http_client, httpx.AsyncClient):
        with_deadlines(http_client, _TRANSPORTS, _httpcore_timeouts())
        return http_client
    if _is_httpx2(http_client, "AsyncClient"):
        from . import _httpx2

        return _httpx2.AsyncClient(http_client)
    raise _refused(http_client, "AsyncCharacterClient", "AsyncClient", "CharacterClient")


def _is_httpx2(value: object, name: str) -> bool:
    # An httpx2 client exists only once its module was imported: no need to import it here.
    httpx2_module = sys.modules.get("httpx2")
    return httpx2_module is not None and isinstance(value, getattr(httpx2_module, name))


def _refused(value: object, client: str, kind: str, other: str) -> InvalidRequestError:
    given = f"{type(value).__module__}.{type(value).__name__}"
    other_kind = "Client" if kind == "AsyncClient" else "AsyncClient"
    hint = (
        f": {'an async' if other_kind == 'AsyncClient' else 'a sync'} client goes to {other}"
        if isinstance(value, getattr(httpx, other_kind)) or _is_httpx2(value, other_kind)
        else ""
    )
    return InvalidRequestError(
        f"{client}(http_client=...) takes an httpx.{kind} or an httpx2.{kind} "
        f"(the httpx2 extra), not {given}{hint}"
    )


def as_timeout(value: float | httpx.Timeout | httpx2.Timeout | None) -> httpx.Timeout:
    """httpx's Timeout for a `timeout` given as seconds, None (no limit) or either library's
    Timeout. `httpx.Timeout(httpx2.Timeout(5))` is accepted as it is and fails at the first
    request ("'>' not supported between instances of 'Timeout' and 'Timeout'"), so an httpx2
    Timeout is converted field by field, and anything else refused here."""
    if isinstance(value, httpx.Timeout):
        return value
    if value is None or isinstance(value, int | float):
        return httpx.Timeout(value)
    if _is_httpx2(value, "Timeout"):
        return httpx.Timeout(**value.as_dict())
    raise InvalidRequestError(
        "timeout must be a number of seconds, None (no limit), an httpx.Timeout or an "
        f"httpx2.Timeout, not {type(value).__module__}.{type(value).__name__}"
    )
