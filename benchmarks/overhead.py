"""Benchmark 1: the facade's cost per task over raw httpx, sync, one task at a time."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from common import BENCH_POLL, IMAGE, PROMPT, Comparison, headers, raw_generate
from fake_process import FakeProcess

from ideogram_facade import CharacterClient


def _per_task(run: Callable[[], None], tasks: int) -> float:
    started = time.perf_counter()
    for _ in range(tasks):
        run()
    return (time.perf_counter() - started) / tasks


def measure(rounds: int, tasks: int) -> Comparison:
    with (
        FakeProcess() as fake,
        CharacterClient(
            fake.api_key, base_url=fake.base_url, poll=BENCH_POLL, rate_limit=None
        ) as client,
        httpx.Client() as http,  # what CharacterClient makes for itself: the same pool
    ):
        auth = headers(fake.api_key)

        def facade() -> None:
            client.generate(PROMPT, IMAGE)

        def raw() -> None:
            raw_generate(http, fake.base_url, auth)

        _per_task(facade, tasks)  # warm-up: connections, caches, the fake's first tasks
        _per_task(raw, tasks)
        a: list[float] = []
        b: list[float] = []
        for round_ in range(rounds):
            # Alternate who goes first, so a drift in the machine's speed hits both alike.
            order = [(facade, a), (raw, b)] if round_ % 2 == 0 else [(raw, b), (facade, a)]
            for run, samples in order:
                samples.append(_per_task(run, tasks))
        return Comparison(a, b)
