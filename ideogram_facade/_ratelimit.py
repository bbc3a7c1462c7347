"""Rate limiters that both clients share: they compute waits, they never sleep.

window = Window(limit=20, period=10.05)
ticket = window.reserve()        # wait ticket.wait, then:
extra = window.hold(ticket)      # 0: send now; otherwise wait `extra` and ask again
...                              # send the request
window.release(ticket)           # answered, failed or abandoned: always

`RateLimit.storage` chooses where the windows live: in this process (`Window`), or in a
sqlite file or a Redis database that every process of one API key shares
(`_shared_limits.SharedWindow`; `_shared_limits.windows()` makes either).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import attrs


@attrs.frozen
class Ticket:
    """One request's place in a window: `wait` seconds from now is its turn; 0 means go now."""

    number: int
    wait: float


class RateWindow(Protocol):
    """What `_core` asks of a window, wherever it keeps its state. `shared`: its steps wait for
    a storage other processes share (so the flows yield them as `Limit` effects)."""

    shared: bool

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

    shared = False

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
