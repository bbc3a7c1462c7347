"""Benchmarks 2 and 3: many concurrent generate() calls, each side in a child process."""

from __future__ import annotations

import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import Comparison
from fake_process import FakeProcess

WORKER = Path(__file__).resolve().parent / "scale_worker.py"


@dataclass(frozen=True)
class Run:
    seconds: float
    errors: int
    first_error: str | None
    peak_rss_mb: float
    started_at: float = 0.0  # time.time(), comparable across processes
    ended_at: float = 0.0


def run_worker(fake: FakeProcess, mode: str, tasks: int, *options: str) -> Run:
    return Run(**json.loads(subprocess.run(command(fake, mode, tasks, *options), **CAPTURE).stdout))


def command(fake: FakeProcess, mode: str, tasks: int, *options: str) -> list[str]:
    return [sys.executable, str(WORKER), mode, str(tasks), fake.base_url, fake.api_key, *options]


CAPTURE: dict[str, Any] = {"capture_output": True, "text": True, "check": True}


@contextlib.contextmanager
def busy_cores() -> Iterator[int]:
    """Every core kept busy by other processes (a busy-looping one per core), as on a machine
    that runs other work: yields how many."""
    count = os.cpu_count() or 1
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield count
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


@dataclass
class Scale:
    """Interleaved rounds of the facade and of the raw floor capped the same way."""

    tasks: int
    cap: int
    busy: int = 0  # processes that kept the cores busy meanwhile
    facade: list[Run] = field(default_factory=list)
    raw: list[Run] = field(default_factory=list)

    def wall(self) -> Comparison:
        return Comparison([r.seconds for r in self.facade], [r.seconds for r in self.raw])

    def rss(self, runs: list[Run]) -> float:
        return statistics.median(r.peak_rss_mb for r in runs)

    def errors(self) -> int:
        return sum(r.errors for r in self.facade + self.raw)


def measure_scale(rounds: int, tasks: int, cap: int, busy: bool = False) -> Scale:
    """`busy`: with every core kept busy by other processes all the while (`busy_cores`)."""
    with contextlib.ExitStack() as stack:
        spinners = stack.enter_context(busy_cores()) if busy else 0
        result = Scale(tasks, cap, spinners)
        fake = stack.enter_context(FakeProcess())
        for round_ in range(rounds):
            sides = [("facade", result.facade, ()), ("raw", result.raw, ("--cap", str(cap)))]
            for mode, runs, options in sides if round_ % 2 == 0 else reversed(sides):
                runs.append(run_worker(fake, mode, tasks, *options))
    return result


@dataclass(frozen=True)
class Growth:
    """The facade's peak RSS against the number of concurrent tasks."""

    points: list[tuple[int, float]]  # (tasks, peak RSS in MB)

    def per_1000(self) -> float:
        """The least-squares slope, in MB per 1,000 tasks."""
        xs, ys = [x for x, _ in self.points], [y for _, y in self.points]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slope = sum((x - mx) * (y - my) for x, y in self.points) / sum((x - mx) ** 2 for x in xs)
        return slope * 1000


def measure_growth(sizes: list[int], measured: Scale) -> Growth:
    """One facade run per size, plus the median of the scale runs at their own size."""
    points = []
    with FakeProcess() as fake:
        for tasks in sizes:
            points.append((tasks, run_worker(fake, "facade", tasks).peak_rss_mb))
    points.append((measured.tasks, measured.rss(measured.facade)))
    return Growth(sorted(points))


@dataclass(frozen=True)
class Robustness:
    """The runs that must only end without errors."""

    bare_tasks: int
    bare: Run  # generate() with http_client=httpx.AsyncClient()
    threads: int
    thread_tasks: int
    threaded: Run  # one CharacterClient shared by `threads` threads


def measure_robustness(bare_tasks: int, threads: int, thread_tasks: int) -> Robustness:
    with FakeProcess() as fake:
        bare = run_worker(fake, "bare", bare_tasks)
        threaded = run_worker(fake, "threads", thread_tasks, "--threads", str(threads))
    return Robustness(bare_tasks, bare, threads, thread_tasks, threaded)


@dataclass(frozen=True)
class Compliance:
    tasks: int
    processes: int
    storage: str
    run: Run  # all processes together: errors summed, from the first start to the last end
    peak_creates_10s: int
    peak_polls_1s: int
    creates_peak_at: float  # seconds after the first create: where the busiest 10 s begins
    polls_peak_at: float

    @property
    def floor(self) -> float:
        """The least time the limits allow: creates go 20 at a time, one batch per 10 s."""
        return (math.ceil(self.tasks / 20) - 1) * 10.0

    @property
    def excess(self) -> float:
        return self.run.seconds / self.floor - 1


def measure_compliance(tasks: int, processes: int = 1, storage: str = "memory://") -> Compliance:
    """`tasks` generate() calls with every default, split over `processes` processes that
    share `storage`, all started at once against a fresh fake (its peaks are this run's)."""
    with FakeProcess() as fake:
        share = tasks // processes
        workers = [
            subprocess.Popen(
                command(fake, "limited", share, "--storage", storage),
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        runs = [Run(**json.loads(worker.communicate()[0])) for worker in workers]
        creates = fake.peak_rate("createTask", 10)
        polls = fake.peak_rate("recordInfo", 1)
        creates_at = fake.busiest("createTask", 10)["start"]
        polls_at = fake.busiest("recordInfo", 1)["start"]
    started, ended = min(r.started_at for r in runs), max(r.ended_at for r in runs)
    errors = [r.first_error for r in runs if r.first_error]
    whole = Run(
        seconds=ended - started,
        errors=sum(r.errors for r in runs),
        first_error=errors[0] if errors else None,
        peak_rss_mb=max(r.peak_rss_mb for r in runs),
        started_at=started,
        ended_at=ended,
    )
    return Compliance(
        share * processes, processes, storage, whole, creates, polls, creates_at, polls_at
    )
