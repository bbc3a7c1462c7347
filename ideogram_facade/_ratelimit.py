"""Rate limiters that both clients share: they compute waits, they never sleep.

creates, polls = windows(RateLimit(), scope, clock)
ticket = window.reserve()        # wait ticket.wait, then:
extra = window.hold(ticket)      # 0: send now; otherwise wait `extra` and ask again
...                              # send the request
window.release(ticket)           # answered, failed or abandoned: always

`RateLimit.storage` chooses where the windows live: in this process (`Window`), or in a
sqlite file or a Redis database that every process of one API key shares
(`_shared_limits.SharedWindow`).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol

import attrs

from . import _constants as C
from ._exceptions import InvalidRequestError, register_secret

if TYPE_CHECKING:
    from ._models import RateLimit


@attrs.frozen
class Ticket:
    """One request's place in a window: `wait` seconds from now is its turn; 0 means go now."""

    number: int
    wait: float


class RateWindow(Protocol):
    """What `_core` asks of a window, wherever it keeps its state."""

    def reserve(self) -> Ticket: ...

    def hold(self, ticket: Ticket) -> float: ...

    def release(self, ticket: Ticket) -> None: ...


class Window:
    """At most `limit` requests arrive at the service in any `period` seconds.

    `limit` slots are used in turn, and a slot is used again only `period` seconds after its
    previous request *finished*. The service sees a request arrive between its start and its
    finish, so however long a request waited in a connection pool or an event loop after its
    turn came, two arrivals through one slot are at least `period` apart, and any window of
    `period` seconds holds at most `limit` of them.

    `reserve()` books turns in order (each caller then sleeps its wait: no busy polling, no
    race); `hold()` checks, just before sending, that the slot's previous request is over. A
    ticket whose wait is 0 has passed that check already.
    """

    def __init__(
        self, limit: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._period = period
        self._clock = clock
        self._turns: deque[float] = deque()  # the booked turns of the last `limit` tickets
        self._issued = 0
        self._finished: dict[int, float] = {}  # ticket number -> when its request ended
        # Threads of the sync client share one Window; the lock only guards the arithmetic.
        self._lock = threading.Lock()

    def reserve(self) -> Ticket:
        with self._lock:
            now = self._clock()
            turn = now
            if len(self._turns) == self._limit:
                turn = max(now, self._turns.popleft() + self._period)
            self._turns.append(turn)
            self._issued += 1
            ticket = Ticket(self._issued - 1, turn - now)
        # A turn that has come is not yet a free slot: its previous request may still be out.
        return ticket if ticket.wait > 0 else Ticket(ticket.number, self.hold(ticket))

    def hold(self, ticket: Ticket) -> float:
        """Seconds still to wait before sending; 0 means go."""
        before = ticket.number - self._limit
        if before < 0:
            return 0.0
        with self._lock:
            finished = self._finished.get(before)
            if finished is None:
                # The slot's previous request is still out (rare: it outlasted a whole period).
                return self._period / self._limit
            return max(0.0, finished + self._period - self._clock())

    def release(self, ticket: Ticket) -> None:
        with self._lock:
            self._finished[ticket.number] = self._clock()
            self._finished.pop(ticket.number - self._limit, None)


class Storage(NamedTuple):
    """A parsed `RateLimit.storage`: `location` is what to open, `shown` is safe to print."""

    kind: str  # "memory", "sqlite" or "redis"
    location: str
    shown: str


STORAGE_FORMS = "memory://, sqlite:///ABSOLUTE/PATH or redis://HOST:PORT/DB (rediss:// for TLS)"


def parse_storage(uri: str) -> Storage:
    """Check a `RateLimit.storage` URI; a password in it is registered as a secret."""
    if not isinstance(uri, str):
        raise InvalidRequestError(f"RateLimit.storage must be a str: {STORAGE_FORMS}")
    if uri == "memory://":
        return Storage("memory", uri, uri)
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme == "sqlite":
        path = uri[len("sqlite://") :]
        named = os.path.isabs(path) and os.path.basename(path)
        if parts.netloc or parts.query or parts.fragment or not named:
            raise InvalidRequestError(
                f"RateLimit.storage {uri!r}: a sqlite storage is sqlite:// and an absolute path "
                "(sqlite:///var/lib/app/limits.db), the same file in every process"
            )
        return Storage("sqlite", path, uri)
    if parts.scheme in ("redis", "rediss"):
        if parts.password:
            register_secret(urllib.parse.unquote(parts.password))
        try:
            port = parts.port
        except ValueError:
            port = None
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        user = f"{parts.username}@" if parts.username else ""
        shown = f"{parts.scheme}://{user}{host}{f':{port}' if port else ''}{parts.path}"
        database = parts.path.strip("/")
        if not host or not (database == "" or database.isdigit()):
            raise InvalidRequestError(
                f"RateLimit.storage {shown!r}: a Redis storage is redis://HOST:PORT/DB, DB a "
                "number (or rediss:// for TLS)"
            )
        return Storage("redis", uri, shown)
    got = f"a {parts.scheme}:// URI" if parts.scheme else "no scheme"
    raise InvalidRequestError(f"RateLimit.storage must be {STORAGE_FORMS}; got {got}")


def windows(
    limit: RateLimit, *, base_url: str, api_key: str, clock: Callable[[], float]
) -> tuple[RateWindow, RateWindow]:
    """The createTask and recordInfo windows of `limit`, where `limit.storage` says.

    Shared windows are per service and API key (a hash of them names the keys), so that one
    storage can serve several keys, each with its own limits.
    """
    creates = (limit.creates_per_10s, 10 + C.RATE_WINDOW_MARGIN)
    polls = (limit.polls_per_second, 1 + C.RATE_WINDOW_MARGIN)
    storage = parse_storage(limit.storage)
    if storage.kind == "memory":
        return Window(*creates, clock), Window(*polls, clock)
    import hashlib

    from ._shared_limits import RedisStore, SharedWindow, SqliteStore, Store

    store: Store = (
        SqliteStore(storage.location, storage.shown)
        if storage.kind == "sqlite"
        else RedisStore(storage.location, storage.shown)
    )
    tag = hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()[:16]
    return (
        SharedWindow(store, f"{tag}:creates", *creates),
        SharedWindow(store, f"{tag}:polls", *polls),
    )
