"""`InFlight`: at most `limit` requests of one client at once; the others wait their turn.

    async with in_flight.slot(deadline, until, ongoing) as ends:   # the async client
    with in_flight.slot(deadline, until, ongoing) as ends:         # the sync client, any thread
        ...   # send the request; `ends` is its deadline, moved on by the time it queued

httpx's pool would queue the surplus itself, but httpcore rescans its whole queue on every
request and release (O(queue x connections), encode/httpcore#1035), and the time a request
spends in that queue counts against its pool timeout: with a few thousand concurrent calls,
requests time out in the queue, are retried, and the queue never drains. Here a waiting request
costs one deque entry, waiters are served strictly in order, and the wait counts against
nothing but `until` (the flow's own deadline, `wait()`'s), so no request reaches httpx's pool
without a connection to go to.

Requests for a task that exists (`ongoing`: its polls, its downloads) go before new work
(uploads, createTask). In one queue, 10,000 generate() calls queue 10,000 creates at once, and
each created task's polls then wait behind every create not yet sent: the time a task's wait()
spends in that queue grows with the batch and with how slow the machine is, until its
deadline passes with a poll still queued (`TaskTimeoutError`, "last poll failed: ...
PoolTimeout"), a task that was paid for and may have ended long before. Served first, a
task's polls wait for at most the requests in flight and the other running tasks' polls; new
creates wait instead, before anything is paid. Each queue is served in order.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from ._exceptions import InvalidRequestError

if TYPE_CHECKING:
    import asyncio  # imported on first use below: the sync client should not pay for it


class _Waiter:
    """One request in the queue. `granted` is set, under the gate's lock, when a slot is its."""

    __slots__ = ("abandoned", "event", "future", "granted")

    def __init__(self, future: asyncio.Future[None] | None) -> None:
        self.granted = False
        self.abandoned = False  # gave up (deadline, cancellation): skipped when its turn comes
        self.future = future  # an asyncio task waits on this...
        self.event = threading.Event() if future is None else None  # ...a thread on this

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()
            return
        assert self.future is not None
        import asyncio

        loop = self.future.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            _resolve(self.future)
        else:
            loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():  # its waiter may have timed out meanwhile
        future.set_result(None)


class InFlight:
    """A FIFO gate of `limit` slots, for threads and asyncio tasks alike."""

    def __init__(self, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidRequestError(f"max_in_flight must be an int >= 1; got {limit!r}")
        self.limit = limit
        self._free = limit
        # Invariant: while anyone waits, no slot is free (a freed slot goes to the first waiter
        # of `_ongoing`, else of `_waiters`).
        self._ongoing: deque[_Waiter] = deque()  # requests for tasks that exist
        self._waiters: deque[_Waiter] = deque()  # new work
        self._lock = threading.Lock()

    def slot(self, deadline: float, until: float | None, ongoing: bool = False) -> Slot:
        """A context manager: enter when a slot is free, leave to free it (see the module)."""
        return Slot(self, deadline, until, ongoing)

    def _take_or_queue(self, future: asyncio.Future[None] | None, ongoing: bool) -> _Waiter | None:
        with self._lock:
            if self._free > 0:
                self._free -= 1
                return None
            waiter = _Waiter(future)
            (self._ongoing if ongoing else self._waiters).append(waiter)
            return waiter

    def _give_up(self, waiter: _Waiter) -> None:
        """`waiter` stops waiting; a slot granted to it meanwhile goes to the next one."""
        with self._lock:
            if not waiter.granted:
                waiter.abandoned = True
                return
        self.release()

    def release(self) -> None:
        with self._lock:
            for queue in (self._ongoing, self._waiters):
                while queue:
                    waiter = queue.popleft()
                    if not waiter.abandoned:
                        waiter.granted = True
                        waiter.wake()
                        return
            self._free += 1

    def acquire(self, until: float | None, ongoing: bool = False) -> None:
        """Block this thread until a slot is its; httpx.PoolTimeout if `until` passes first.
        `ongoing`: the request is for a task that exists, and goes before new work."""
        waiter = self._take_or_queue(None, ongoing)
        if waiter is None:
            return
        assert waiter.event is not None
        timeout = None if until is None else max(0.0, until - time.monotonic())
        if waiter.event.wait(timeout):
            return
        self._give_up(waiter)
        raise _timed_out()

    async def acquire_async(self, until: float | None, ongoing: bool = False) -> None:
        """`acquire()` for an asyncio task: it awaits, the event loop goes on."""
        import asyncio

        waiter = self._take_or_queue(asyncio.get_running_loop().create_future(), ongoing)
        if waiter is None:
            return
        assert waiter.future is not None
        try:
            if until is None:
                await waiter.future
            else:
                await asyncio.wait_for(waiter.future, max(0.0, until - time.monotonic()))
        except TimeoutError:
            self._give_up(waiter)
            raise _timed_out() from None
        except BaseException:  # cancelled
            self._give_up(waiter)
            raise


def _timed_out() -> httpx.PoolTimeout:
    # The exception httpx raises for a request that found no connection in time: the flows
    # know it was never sent (so even createTask may be retried) and map it to APITimeoutError.
    return httpx.PoolTimeout("no connection slot came free before the deadline")


class Slot:
    """One request's slot; entering gives its deadline, moved on by the time it queued and
    never past `until`."""

    def __init__(self, gate: InFlight, deadline: float, until: float | None, ongoing: bool) -> None:
        self._gate = gate
        self._deadline = deadline
        self._until = until
        self._ongoing = ongoing

    def _ends(self, queued_at: float) -> float:
        ends = self._deadline + (time.monotonic() - queued_at)
        return min(ends, math.inf if self._until is None else self._until)

    def __enter__(self) -> float:
        queued_at = time.monotonic()
        self._gate.acquire(self._until, self._ongoing)
        return self._ends(queued_at)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._gate.release()

    async def __aenter__(self) -> float:
        queued_at = time.monotonic()
        await self._gate.acquire_async(self._until, self._ongoing)
        return self._ends(queued_at)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._gate.release()
