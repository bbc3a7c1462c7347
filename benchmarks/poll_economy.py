"""Benchmark 4, pure arithmetic: how many status polls each schedule spends, and how late it
notices the end of a task, for tasks of several durations. No sleeping, no service.

Worst case, as issue 7 counts it: the task ends just after a poll, so with poll times
t1 < t2 < ... and tk the last one <= d, it takes k + 1 polls and is noticed t(k+1) - tk late.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count

from ideogram_facade import PollPolicy

DURATIONS = (5, 10, 20, 30, 60, 120, 300)
DOCUMENTED_TOTAL_POLLS = 106  # issue 7's figure for the documented schedule, checked below
# Poll times come from sums of floats: 30.000000000004 must still count as a poll "at 30 s".
EPSILON = 1e-9


def facade_default() -> Iterator[float]:
    """`generate()`'s schedule: it sleeps delay(0) before the first poll, then delay(1), ..."""
    policy = PollPolicy()
    elapsed = 0.0
    for attempt in count():
        elapsed += policy.delay(attempt)  # spread=0.5: jitter at its mean
        yield elapsed


def documented() -> Iterator[float]:
    """The service's advice at its midpoints: 2.5 s for 30 s, 7.5 s to 2 min, then 20 s."""
    # Products, not running sums, so that 30 and 120 land exactly on a poll.
    yield from (2.5 * i for i in range(1, 13))
    yield from (30 + 7.5 * i for i in range(1, 13))
    yield from (120 + 20 * i for i in count(1))


def fixed(interval: float) -> Callable[[], Iterator[float]]:
    """A poll every `interval` seconds, the first one after `interval` (as generate() does)."""

    def schedule() -> Iterator[float]:
        return (interval * i for i in count(1))

    return schedule


SCHEDULES: dict[str, Callable[[], Iterator[float]]] = {
    "facade default PollPolicy()": facade_default,
    "documented (midpoints)": documented,
    "fixed 0.5 s": fixed(0.5),
    "fixed 0.1 s": fixed(0.1),
}


@dataclass(frozen=True)
class Cell:
    duration: float
    polls: int
    lag: float

    @property
    def lag_target(self) -> float:
        return max(3.0, 0.15 * self.duration)

    @property
    def lag_ok(self) -> bool:
        return self.lag <= self.lag_target + EPSILON


def worst_case(schedule: Callable[[], Iterator[float]], duration: float) -> Cell:
    last = 0.0  # the wait starts at 0; a task shorter than the first delay has k = 0
    for k, t in enumerate(schedule(), start=1):
        if t > duration + EPSILON:
            return Cell(duration, polls=k, lag=t - last)
        last = t
    raise AssertionError("schedules are infinite")


def table() -> dict[str, list[Cell]]:
    return {name: [worst_case(s, d) for d in DURATIONS] for name, s in SCHEDULES.items()}


def self_check() -> None:
    """Prove the counting against issue 7's known answer before trusting any other figure."""
    cells = [worst_case(documented, d) for d in DURATIONS]
    total = sum(c.polls for c in cells)
    assert total == DOCUMENTED_TOTAL_POLLS, f"documented schedule: {total} polls, expected 106"
    misses = [c.duration for c in cells if not c.lag_ok]
    assert misses == [30, 120], f"documented schedule misses the lag target at {misses}"
