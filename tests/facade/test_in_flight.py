"""The in-flight cap: at most `max_in_flight` requests at once, the rest queued by the client.

Both clients, against the fake over real sockets, with an `http_client` of their own kind.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ideogram_facade import InvalidRequestError
from ideogram_facade._inflight import InFlight
from ideogram_facade.testing import FakeApikley
from tests.conftest import Guarded, http_client

# Many more calls than the cap and the pool: what matters is that they queue, not how many.
CALLS = 200


@pytest.fixture
def pooled(
    request: pytest.FixtureRequest, make_client: Callable[..., Guarded]
) -> Iterator[Callable[..., Guarded]]:
    """`make_client` with an injected http_client of the client's kind and the given pool."""
    kind = request.node.callspec.params["make_client"]
    made: list[tuple[Guarded, Any]] = []

    def make(limits: httpx.Limits, timeout: httpx.Timeout, **settings: Any) -> Guarded:
        http = http_client(kind, limits=limits, timeout=timeout)
        client = make_client(http_client=http, **settings)
        made.append((client, http))
        return client

    yield make
    for client, http in made:  # before make_client closes the async client's loop
        if kind == "sync":
            http.close()
        else:
            client.run(http.aclose())


def concurrently(client: Guarded, calls: int, method: str, *args: Any) -> list[BaseException]:
    """Run `calls` calls of `method` at once (threads, or tasks on one loop); their errors."""
    if client.kind == "async":

        async def gather() -> list[Any]:
            call = getattr(client.inner, method)
            return await asyncio.gather(
                *(call(*args) for _ in range(calls)), return_exceptions=True
            )

        results = client.run(gather())
    else:
        call = getattr(client.inner, method)

        def one(_: int) -> Any:
            try:
                return call(*args)
            except Exception as error:
                return error

        with ThreadPoolExecutor(max_workers=calls) as pool:
            results = list(pool.map(one, range(calls)))
    return [r for r in results if isinstance(r, BaseException)]


@pytest.mark.slow
def test_many_concurrent_calls_never_open_more_connections_than_the_cap(
    pooled: Callable[..., Guarded], fake: FakeApikley
) -> None:
    # The pool would open 64 connections; the cap lets 6 requests out at once.
    client = pooled(httpx.Limits(max_connections=64), httpx.Timeout(10.0), max_in_flight=6)
    errors = concurrently(client, CALLS, "credits")
    assert errors == []
    assert fake.creates_received == 0
    assert sum(r.endpoint == "credit" for r in fake.requests) == CALLS
    assert 2 <= fake.peak_connections <= 6


@pytest.mark.slow
def test_queued_calls_wait_outside_the_pool_so_its_timeout_never_fires(
    pooled: Callable[..., Guarded], fake: FakeApikley
) -> None:
    # httpcore would queue 196 of these for its 4 connections, each failing PoolTimeout after
    # 10 ms (and max_retries=0 lets no retry hide it); queued by the client, none reaches the
    # pool without a connection to go to.
    client = pooled(
        httpx.Limits(max_connections=4),
        httpx.Timeout(10.0, pool=0.01),
        max_in_flight=4,
        max_retries=0,
    )
    assert concurrently(client, CALLS, "credits") == []
    assert fake.peak_connections <= 4


def test_the_wait_for_a_slot_moves_a_request_s_deadline_on() -> None:
    # A request queued behind a slow one gets its whole time once it has its slot: its deadline
    # (Send.deadline, which the client's transport enforces) moves on by the time it queued.
    gate = InFlight(1)
    gate.acquire(None)
    queued_at = time.monotonic()
    ends: list[float] = []

    def queued() -> None:
        with gate.slot(queued_at + 0.5, None) as deadline:
            ends.append(deadline)

    with ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(queued)
        while not gate._waiters:
            time.sleep(0.001)
        time.sleep(0.3)  # the slot stays taken at least this long
        gate.release()
        done.result()
    assert ends[0] >= queued_at + 0.5 + 0.3


def test_a_request_queued_for_a_slot_gives_up_at_its_flow_s_deadline() -> None:
    # wait() passes its deadline as each Send's `until` (tests/facade/test_flows.py): a request
    # queued behind a slot that is not freed gives up then, whatever its own timeout.
    gate = InFlight(1)
    gate.acquire(None)
    with pytest.raises(httpx.PoolTimeout), gate.slot(time.monotonic() + 60, time.monotonic()):
        pass
    gate.release()
    with gate.slot(time.monotonic() + 60, None):  # the slot it gave up is free again
        pass


def test_max_in_flight_must_allow_something(make_client: Callable[..., Guarded]) -> None:
    with pytest.raises(InvalidRequestError, match="max_in_flight"):
        make_client(max_in_flight=0)


def test_slots_go_to_waiting_threads_in_the_order_they_came() -> None:
    gate = InFlight(1)
    gate.acquire(None)
    order: list[int] = []

    def waiter(number: int) -> None:
        gate.acquire(None)
        order.append(number)
        gate.release()

    with ThreadPoolExecutor(max_workers=20) as pool:
        for number in range(20):
            pool.submit(waiter, number)
            while len(gate._waiters) <= number:  # it has queued: the next one comes after it
                time.sleep(0.001)
        gate.release()
    assert order == list(range(20))


def test_a_waiter_that_gives_up_passes_its_turn_on() -> None:
    async def main() -> BaseException:
        gate = InFlight(1)
        await gate.acquire_async(None)
        try:
            await gate.acquire_async(time.monotonic() + 0.01)
        except httpx.PoolTimeout as error:
            timed_out: BaseException = error
        late = asyncio.ensure_future(gate.acquire_async(None))
        await asyncio.sleep(0)  # `late` runs until it waits: it has queued
        assert len(gate._waiters) == 2, "the one that gave up, then late"
        gate.release()  # the slot skips the waiter that gave up and goes to `late`
        await late
        return timed_out

    assert isinstance(asyncio.run(main()), httpx.PoolTimeout)


# -- requests for tasks that exist go first ------------------------------------------------


def wait_until(condition: Callable[[], bool]) -> None:
    """Until `condition` holds (another thread has queued): an event, not an amount of time."""
    while not condition():
        time.sleep(0.001)


def test_a_request_for_a_task_that_exists_goes_before_new_work_in_threads() -> None:
    gate = InFlight(1)
    gate.acquire(None)
    order: list[str] = []

    def waiter(name: str, ongoing: bool) -> None:
        gate.acquire(None, ongoing)
        order.append(name)
        gate.release()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for name, ongoing in [
            ("create 1", False), ("create 2", False), ("poll 1", True), ("poll 2", True)
        ]:  # fmt: skip
            queued = len(gate._waiters) + len(gate._ongoing)
            pool.submit(waiter, name, ongoing)
            wait_until(lambda: len(gate._waiters) + len(gate._ongoing) > queued)  # noqa: B023
        gate.release()
    assert order == ["poll 1", "poll 2", "create 1", "create 2"]


def test_a_request_for_a_task_that_exists_goes_before_new_work_in_tasks() -> None:
    async def main() -> list[str]:
        gate = InFlight(1)
        await gate.acquire_async(None)
        order: list[str] = []

        async def waiter(name: str, ongoing: bool) -> None:
            await gate.acquire_async(None, ongoing)
            order.append(name)
            gate.release()

        waiters = []
        for name, ongoing in [("create", False), ("poll", True)]:
            waiters.append(asyncio.ensure_future(waiter(name, ongoing)))
            await asyncio.sleep(0)  # it runs until it waits: it has queued
        gate.release()
        await asyncio.gather(*waiters)
        return order

    assert asyncio.run(main()) == ["poll", "create"]


def test_a_task_s_poll_is_sent_before_a_create_that_queued_first(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    client = make_client(max_in_flight=1)
    loop = client.on_loop_thread().loop if client.kind == "async" else None
    pool = ThreadPoolExecutor(max_workers=2)

    def start(method: str, *args: Any) -> Future[Any]:
        """The client's `method`, running meanwhile (on its loop, or in a thread)."""
        call = getattr(client.inner, method)
        if loop is not None:
            return asyncio.run_coroutine_threadsafe(call(*args), loop)
        return pool.submit(call, *args)

    with pool:
        task_id = client.submit("the first", "https://example.com/portrait.png")
        gate = client.inner._in_flight
        gate.acquire(None)  # the one slot, taken: what comes next queues
        create = start("submit", "the second", "https://example.com/portrait.png")
        wait_until(lambda: len(gate._waiters) == 1)
        poll = start("get_task", task_id)
        wait_until(lambda: len(gate._ongoing) == 1)
        gate.release()
        assert poll.result(timeout=60).task_id == task_id
        assert create.result(timeout=60) != task_id
    assert [r.endpoint for r in fake.requests] == ["createTask", "recordInfo", "createTask"]
