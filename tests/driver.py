"""Run a flow of `_core` against scripted answers on a virtual clock: no sockets, no sleeps.

    clock = VirtualClock()
    core = make_core(clock, max_retries=2)
    driver = Driver(clock, answers=[status(500), status(500), ok(12.5)])
    assert driver.run(core.credits()) == 12.5
    assert driver.sends() == [(0.0, "credit"), (0.5, "credit"), (1.5, "credit")]

The driver is the client's shell with every I/O replaced: it answers each `Send` with the next
scripted answer (an `HttpResponse`, an httpx exception, or a function of the effect), moves the
clock on for each `Sleep` (cut short where a scripted wake-up falls inside it), runs `Record`
(the journal, on a real file) and `Limit` (a shared window's step, on a real storage) for real,
and answers each `Fetch` from its own script. Every effect is logged with the virtual time it
was met at, so that a test asserts on which requests went, which pauses came, and when.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs
import httpx

from ideogram_facade import PollPolicy, RateLimit
from ideogram_facade import _constants as C
from ideogram_facade._core import Core
from ideogram_facade._effects import Effect, Fetch, Fetched, Flow, Limit, Record, Send, Sleep
from ideogram_facade._exceptions import APIConnectionError, JournalError
from ideogram_facade._wire import HttpResponse

T = TypeVar("T")

BASE_URL = "https://api.example.com"
API_KEY = "driver-test-key-0000"

Answer = HttpResponse | Exception | Callable[[Send], "HttpResponse | Exception"]
Download = Fetched | bytes | Exception | Callable[[Fetch], "Fetched | bytes | Exception"]


class VirtualClock:
    """`time.monotonic()` for a core under test: it moves only when the driver says so."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Draws:
    """`random.random()` for a core under test: the given draws in turn, then 0.5 (no jitter)."""

    def __init__(self, *draws: float) -> None:
        self._draws = deque(draws)

    def __call__(self) -> float:
        return self._draws.popleft() if self._draws else 0.5


def make_core(
    clock: VirtualClock,
    *,
    max_retries: int = C.DEFAULT_MAX_RETRIES,
    poll: PollPolicy | None = None,
    rate_limit: RateLimit | None = None,
    random: Callable[[], float] | None = None,
    timeout: httpx.Timeout = C.DEFAULT_TIMEOUT,
) -> Core:
    """A core as a client would make it, on `clock`, drawing its jitter from `random` (none by
    default: every draw is the middle of its range)."""
    return Core(
        api_key=API_KEY,
        base_url=BASE_URL,
        upload_base_url=BASE_URL + "/file-upload",
        timeout=timeout,
        max_retries=max_retries,
        poll=poll or PollPolicy(jitter=0.0),
        rate_limit=rate_limit,
        clock=clock,
        random=random or Draws(),
    )


@attrs.frozen
class Event:
    """One effect the flow yielded, at `time` on the virtual clock."""

    time: float
    effect: Effect


@attrs.frozen
class Wake:
    """At `at`, `action` runs (a receiver confirming a task, say) and a `Sleep` on `task_id`
    that spans that time ends there."""

    task_id: str
    at: float
    action: Callable[[], object]


class Driver:
    """Runs flows on `clock`; `answers` and `downloads` are consumed in order across runs."""

    def __init__(
        self,
        clock: VirtualClock,
        answers: Iterable[Answer] = (),
        *,
        downloads: Iterable[Download] = (),
        wakes: Iterable[Wake] = (),
    ) -> None:
        self.clock = clock
        self.answers: deque[Answer] = deque(answers)
        self.downloads: deque[Download] = deque(downloads)
        self.wakes = sorted(wakes, key=lambda wake: wake.at)
        self.events: list[Event] = []

    def run(self, flow: Flow[T]) -> T:
        """Drive `flow` to its end: its value, or the exception it raised."""
        reply: Any = None
        while True:
            try:
                effect = flow.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            self.events.append(Event(self.clock(), effect))
            reply = self._perform(effect)

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            if not self.answers:
                raise AssertionError(f"no answer scripted for {effect.request.endpoint.name}")
            answer = self.answers.popleft()
            return answer(effect) if callable(answer) else answer
        if isinstance(effect, Sleep):
            self._sleep(effect)
            return None
        if isinstance(effect, Record):
            try:
                return effect.write()
            except JournalError as error:
                return error
        if isinstance(effect, Limit):
            try:
                return effect.step()
            except APIConnectionError as error:
                return error
        if isinstance(effect, Fetch):
            return self._fetch(effect)
        raise AssertionError(f"no such effect: {effect!r}")

    def _sleep(self, effect: Sleep) -> None:
        ends = self.clock() + effect.seconds
        for wake in list(self.wakes):
            if wake.at <= ends and (effect.wake == wake.task_id or wake.at <= self.clock()):
                self.wakes.remove(wake)
                self.clock.now = max(self.clock(), wake.at)
                wake.action()
                if effect.wake == wake.task_id:
                    return  # woken: the rest of the sleep is cut short
        self.clock.now = ends

    def _fetch(self, effect: Fetch) -> Fetched | Exception:
        if not self.downloads:
            raise AssertionError(f"no download scripted for {effect.url}")
        answer = self.downloads.popleft()
        if callable(answer):
            answer = answer(effect)
        if isinstance(answer, bytes):  # a 200 whose body the client streamed to a part file
            part = effect.directory / f".part-{len(self.events)}"
            part.write_bytes(answer)
            return Fetched(200, {}, part)
        return answer

    # -- what happened ----------------------------------------------------------------------

    def sends(self) -> list[tuple[float, str]]:
        """(time, endpoint name) of each request, in order."""
        return [
            (event.time, event.effect.request.endpoint.name)
            for event in self.events
            if isinstance(event.effect, Send)
        ]

    def sleeps(self) -> list[float]:
        return [event.effect.seconds for event in self.events if isinstance(event.effect, Sleep)]

    def kinds(self) -> list[str]:
        """Each effect as a word: `send createTask`, `sleep`, `record submitting`, `limit`, ..."""
        named = []
        for event in self.events:
            effect = event.effect
            if isinstance(effect, Send):
                named.append(f"send {effect.request.endpoint.name}")
            elif isinstance(effect, Record):
                write = effect.write
                named.append(f"record {getattr(getattr(write, 'func', write), '__name__', '?')}")
            elif isinstance(effect, Limit):
                step = effect.step
                named.append(f"limit {getattr(getattr(step, 'func', step), '__name__', '?')}")
            else:
                named.append(type(effect).__name__.lower())
        return named


# -- answers ---------------------------------------------------------------------------------


def ok(data: object, headers: dict[str, str] | None = None) -> HttpResponse:
    """The service's success envelope around `data`."""
    body = json.dumps({"code": 200, "msg": "success", "data": data}).encode()
    return HttpResponse(200, headers or {}, body)


def refused(
    code: int, message: str = "refused", headers: dict[str, str] | None = None
) -> HttpResponse:
    """An error the way the service mostly sends them: HTTP 200, the code in the body."""
    body = json.dumps({"code": code, "msg": message, "data": None}).encode()
    return HttpResponse(200, headers or {}, body)


def status(code: int, headers: dict[str, str] | None = None) -> HttpResponse:
    """An HTTP error status with the service's JSON envelope."""
    body = json.dumps({"code": code, "msg": "error", "data": None}).encode()
    return HttpResponse(code, headers or {}, body)


def task(task_id: str, state: str, **fields: object) -> HttpResponse:
    """recordInfo's answer for a task in `state` (a success lists one image)."""
    data: dict[str, object] = {"taskId": task_id, "state": state, **fields}
    if state == "success":
        data.setdefault(
            "resultJson", json.dumps({"resultUrls": [f"https://cdn.example/{task_id}.png"]})
        )
    return ok(data)
