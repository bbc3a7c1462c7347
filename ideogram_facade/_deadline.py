"""The deadline of the request this thread or asyncio task is sending: a ContextVar that the
clients set around each exchange and the network backends of `_backend` read.

    with deadline(time.monotonic() + 30):
        response = client.get(url)       # every connect, read and write cut to the time left

A leaf of its own, so that `_transport` (which installs the backends) and `_backend` (which
reads the deadline) both depend on it rather than on each other.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

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
