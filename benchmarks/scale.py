"""Benchmarks 2 and 3: many concurrent generate() calls, each side in a child process."""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from common import Comparison
from fake_process import FakeProcess

WORKER = Path(__file__).resolve().parent / "scale_worker.py"


@dataclass(frozen=True)
class Run:
    seconds: float
    errors: int
    first_error: str | None
    peak_rss_mb: float


def run_worker(fake: FakeProcess, mode: str, tasks: int, *options: str) -> Run:
    command = [sys.executable, str(WORKER), mode, str(tasks), fake.base_url, fake.api_key]
    done = subprocess.run([*command, *options], capture_output=True, text=True, check=True)
    return Run(**json.loads(done.stdout))


@dataclass
class Scale:
    """Interleaved rounds of facade and raw runs; `small` is the RSS-growth baseline."""

    tasks: int
    small: int
    facade: list[Run] = field(default_factory=list)
    raw: list[Run] = field(default_factory=list)
    gated_facade: list[Run] = field(default_factory=list)
    gated_raw: list[Run] = field(default_factory=list)
    small_facade: list[Run] = field(default_factory=list)

    def wall(self) -> Comparison:
        return Comparison([r.seconds for r in self.facade], [r.seconds for r in self.raw])

    def gated_wall(self) -> Comparison:
        return Comparison(
            [r.seconds for r in self.gated_facade], [r.seconds for r in self.gated_raw]
        )

    def rss(self, runs: list[Run]) -> float:
        return statistics.median(r.peak_rss_mb for r in runs)

    def rss_growth_per_1000(self) -> float:
        growth = self.rss(self.facade) - self.rss(self.small_facade)
        return growth * 1000 / (self.tasks - self.small)

    def errors(self) -> int:
        return sum(r.errors for r in self.facade + self.raw + self.gated_facade + self.gated_raw)


def measure_scale(rounds: int, tasks: int, small: int, gate: int) -> Scale:
    result = Scale(tasks, small)
    with FakeProcess() as fake:
        for round_ in range(rounds):
            sides = [("facade", result.facade, result.gated_facade)]
            sides.append(("raw", result.raw, result.gated_raw))
            for mode, plain, gated in sides if round_ % 2 == 0 else reversed(sides):
                plain.append(run_worker(fake, mode, tasks))
                gated.append(run_worker(fake, mode, tasks, "--gate", str(gate)))
            result.small_facade.append(run_worker(fake, "facade", small))
    return result


@dataclass(frozen=True)
class Compliance:
    tasks: int
    run: Run
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


def measure_compliance(tasks: int) -> Compliance:
    with FakeProcess() as fake:  # a fresh fake: its peak rates must be this run's alone
        run = run_worker(fake, "limited", tasks)
        creates = fake.peak_rate("createTask", 10)
        polls = fake.peak_rate("recordInfo", 1)
        creates_at = fake.busiest("createTask", 10)["start"]
        polls_at = fake.busiest("recordInfo", 1)["start"]
    return Compliance(tasks, run, creates, polls, creates_at, polls_at)
