"""The effects a flow of `_core` yields, and what the clients answer them with.

A flow is a generator: it yields an effect, the client performs it (with httpx.Client and
time.sleep, or httpx.AsyncClient and asyncio.sleep) and sends back the result.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import httpx

from . import _constants as C
from ._requests import HttpRequest

T = TypeVar("T")


@attrs.frozen
class Send:
    """Send `request`; the answer is an `HttpResponse` (cut past `max_bytes`) or the exception.

    `deadline` (a `time.monotonic()` reading) bounds the whole exchange, not each read. The
    client moves it on by the time the request waits for a connection slot, but never past
    `until`, the flow's own deadline (`wait()`'s), which bounds that wait too.
    """

    request: HttpRequest
    timeout: httpx.Timeout
    deadline: float
    max_bytes: int
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)  # the API key, for one
    until: float | None = None
    # For tracing: which try of the request this is (0: the first), and its task.
    attempt: int = 0
    task_id: str | None = None


@attrs.frozen
class Sleep:
    """Sleep `seconds`; with `wake`, a task id, a confirmed callback for it ends the sleep."""

    seconds: float
    wake: str | None = None


@attrs.frozen
class Fetch:
    """Stream `url` (no API key, no redirect followed) into a new temporary file in `directory`.

    The result is a `Fetched`, or the transport exception. The body is decoded and written only
    for a 2xx answer, and never past `max_bytes`; a redirect comes back as it is, for the flow
    to check its `Location` before anything connects there.
    """

    url: str
    directory: Path
    timeout: httpx.Timeout
    deadline: float
    max_bytes: int = C.MAX_DOWNLOAD_BYTES


@attrs.frozen
class Record:
    """Write to the task journal: the client calls `write` (the async client in a worker
    thread, since each commit waits for the disk) and sends back what it returns, or the
    `JournalError` it raised."""

    write: Callable[[], Any]


@attrs.frozen
class Limit:
    """A step of a rate-limit window that other processes share (`_shared_limits`): the client
    calls `step` (the async client in a worker thread, since it waits for a sqlite lock or a
    Redis round trip) and sends back what it returns, or the `APIConnectionError` it raised.
    Windows in memory are plain arithmetic: the flows call them directly."""

    step: Callable[[], Any]


@attrs.frozen
class Fetched:
    status_code: int
    headers: Mapping[str, str]
    part: Path | None  # the temporary file, for a 2xx answer within max_bytes
    too_large: bool = False
    undecodable: str | None = None  # why its compressed body could not be decoded (_decoding)


Effect = Send | Sleep | Fetch | Record | Limit
Flow = Generator[Effect, Any, T]
