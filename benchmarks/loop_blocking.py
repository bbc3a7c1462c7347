"""Benchmark 7: how long the event loop stops for a shared rate limit's decisions.

An `AsyncCharacterClient` with `RateLimit(storage="sqlite://..." or "redis://...")` runs
get_task() calls, CONCURRENCY at a time, against the fake in a process of its own, with limits
high enough that no call waits for a turn: each call is two window steps (reserve with its
hold, then release) around one request. Meanwhile a heartbeat task sleeps 1 ms on the same loop,
over and over; how late each sleep ends is how long the loop could not run anything.

Two shells, interleaved in rounds: "on the loop" runs each step of the window where the flow
yields it, on the event loop, as every step ran before issue 21; "in a thread" is the client
as it is, which runs each `Limit` effect with `asyncio.to_thread`.

    python benchmarks/loop_blocking.py      # alone: prints the figures (redis-server on PATH)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fake_process import FakeProcess  # noqa: E402

from ideogram_facade import AsyncCharacterClient, RateLimit  # noqa: E402
from ideogram_facade._effects import Limit  # noqa: E402
from ideogram_facade._exceptions import APIConnectionError  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

CALLS = 2000
CONCURRENCY = 50
ROUNDS = 3
HEARTBEAT = 0.001
PORTRAIT = "https://example.com/portrait.png"


class OnTheLoop(AsyncCharacterClient):
    """The client with its window steps run on the event loop, as before issue 21."""

    async def _limit(self, effect: Limit) -> Any:
        try:
            return effect.step()
        except APIConnectionError as error:
            return error


@dataclass
class Run:
    lateness: list[float] = field(default_factory=list)  # per heartbeat, seconds
    latency: list[float] = field(default_factory=list)  # per call, seconds
    seconds: float = 0.0

    def p99_ms(self) -> float:
        return statistics.quantiles(self.lateness, n=100)[98] * 1000

    def max_ms(self) -> float:
        return max(self.lateness) * 1000

    def median_latency_ms(self) -> float:
        return statistics.median(self.latency) * 1000


async def _one_run(cls: type[AsyncCharacterClient], fake: FakeProcess, storage: str) -> Run:
    run = Run()
    limit = RateLimit(creates_per_10s=100_000, polls_per_second=100_000, storage=storage)
    async with cls(fake.api_key, base_url=fake.base_url, rate_limit=limit) as client:
        task_id = await client.submit("a knight", PORTRAIT)
        done = asyncio.Event()

        async def heartbeat() -> None:
            while not done.is_set():
                asked = time.perf_counter()
                await asyncio.sleep(HEARTBEAT)
                run.lateness.append(time.perf_counter() - asked - HEARTBEAT)

        async def calls(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                await client.get_task(task_id)
                run.latency.append(time.perf_counter() - started)

        beating = asyncio.create_task(heartbeat())
        started = time.perf_counter()
        await asyncio.gather(*(calls(CALLS // CONCURRENCY) for _ in range(CONCURRENCY)))
        run.seconds = time.perf_counter() - started
        done.set()
        await beating
    return run


@dataclass
class Result:
    storage: str  # "sqlite" or "redis"
    on_loop: list[Run]
    in_thread: list[Run]


def _median(runs: list[Run], figure: str) -> float:
    return float(statistics.median(getattr(run, figure)() for run in runs))


def measure(rounds: int = ROUNDS) -> list[Result]:
    results = []
    with FakeProcess() as fake, tempfile.TemporaryDirectory() as folder:
        storages = {"sqlite": f"sqlite://{Path(folder) / 'limits.db'}"}
        server = RedisServer.start() if RedisServer.find() else None
        if server is not None:
            storages["redis"] = server.url
        try:
            for kind, storage in storages.items():
                result = Result(kind, [], [])
                for round_ in range(rounds):
                    order = [OnTheLoop, AsyncCharacterClient]
                    for cls in order if round_ % 2 == 0 else order[::-1]:
                        run = asyncio.run(_one_run(cls, fake, storage))
                        (result.on_loop if cls is OnTheLoop else result.in_thread).append(run)
                results.append(result)
        finally:
            if server is not None:
                server.stop()
    return results


def section(results: list[Result]) -> str:
    rows = []
    for r in results:
        for label, runs in (
            ("on the loop (before)", r.on_loop),
            ("in a thread (now)", r.in_thread),
        ):
            rows.append(
                f"| `{r.storage}` | {label} | {_median(runs, 'p99_ms'):.2f} ms | "
                f"{_median(runs, 'max_ms'):.2f} ms | {_median(runs, 'median_latency_ms'):.2f} ms |"
            )
    return "\n".join(
        [
            "## 7. Shared limits off the event loop",
            "",
            f"{CALLS:,} `get_task()` calls, {CONCURRENCY} at a time, on one "
            "`AsyncCharacterClient` whose `RateLimit` names a shared storage (limits high "
            "enough that no call waits for a turn: two window steps and one request each), "
            f"while a heartbeat sleeps {HEARTBEAT * 1000:g} ms on the same loop over and over. "
            "Its lateness is how long the loop could run nothing else. *On the loop*: each "
            "window step run where the flow yields it, as before issue 21; *in a thread*: the "
            "client as it is (`asyncio.to_thread` per step). Medians of "
            f"{len(results[0].on_loop) if results else 0} interleaved rounds.",
            "",
            "| storage | window steps | heartbeat lateness p99 | lateness max "
            "| call latency, median |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(section(measure()))
