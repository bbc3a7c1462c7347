"""A sliding-window limiter that both clients share: it computes waits, it never sleeps."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class Window:
    """At most `limit` events in any `period` seconds.

    `reserve()` books the earliest slot that keeps the promise and returns how long to wait
    for it, so concurrent callers queue in order instead of racing: the caller sleeps (with
    `time.sleep` or `asyncio.sleep`) and then goes. It is a token bucket of `limit` tokens in
    which each token comes back exactly `period` seconds after it was spent; unlike a bucket
    refilled at a steady rate, it never lets a burst and a refill add up to more than `limit`
    in one window.
    """

    def __init__(
        self, limit: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._period = period
        self._clock = clock
        self._starts: deque[float] = deque()
        # Threads of the sync client share one Window; the lock only guards the arithmetic.
        self._lock = threading.Lock()

    def reserve(self) -> float:
        with self._lock:
            now = self._clock()
            start = now
            if len(self._starts) == self._limit:
                start = max(now, self._starts.popleft() + self._period)
            self._starts.append(start)
            return start - now
