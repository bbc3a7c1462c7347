"""Sleeps that a callback can cut short: `wait()` sleeps between polls on its task's id, and a
receiver bound to the client (`callbacks.wsgi_app`, `asgi_app`) wakes it when the task's end
is confirmed.

    wakers = Wakers()
    wakers.sleep("task_1", 30.0)    # in one thread: returns after 30 s, or at once when...
    wakers.wake("task_1")           # ...another thread (the receiver's) calls this

`AsyncWakers` is the same for asyncio: the async client has one, and `tools/unasync.py` makes
the sync client's a `Wakers`.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, TypeVar

from . import _constants as C
from ._memory import remember

if TYPE_CHECKING:  # imported on use: `import ideogram_facade` does not pay for asyncio
    import asyncio

E = TypeVar("E")


def _woken(events: dict[str, E], task_id: str, make: type[E]) -> E:
    # A wake for a task nobody sleeps on yet stays set for its next sleep (its callback came
    # during a poll); those of tasks nobody ever waits for go, oldest first.
    event = events.get(task_id) or make()
    remember(events, task_id, event, C.FRESH_TASKS_REMEMBERED)
    return event


class Wakers:
    """For threads: one event per task id that someone sleeps on or has woken."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def sleep(self, task_id: str, seconds: float) -> None:
        event = self._event(task_id)
        event.wait(seconds)
        self._drop(task_id, event)

    def wake(self, task_id: str) -> None:
        with self._lock:
            event = _woken(self._events, task_id, threading.Event)
        event.set()

    def _drop(self, task_id: str, event: threading.Event) -> None:
        # A wake that comes later (during the next poll) makes a new, set event for the next
        # sleep: nothing is missed, and nothing is kept for a task nobody waits for.
        with self._lock:
            if self._events.get(task_id) is event:
                del self._events[task_id]

    def _event(self, task_id: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(task_id, threading.Event())


class AsyncWakers:
    """For one event loop; `wake()` may be called from any thread."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def sleep(self, task_id: str, seconds: float) -> None:
        import asyncio

        self._loop = asyncio.get_running_loop()
        event = self._events.setdefault(task_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
        if self._events.get(task_id) is event:
            del self._events[task_id]

    def wake(self, task_id: str) -> None:
        import asyncio

        event = _woken(self._events, task_id, asyncio.Event)
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or loop is running or loop.is_closed():
            event.set()
        else:  # a receiver in another thread than the waiting loop
            loop.call_soon_threadsafe(event.set)
