"""What the worker processes of the multi-process tests share (budget_worker.py,
limits_worker.py, fleet_worker.py): their image, poll policy and costs, and many generate()
calls at once through a sync or an async client."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from ideogram_facade import AsyncCharacterClient, CharacterClient, PollPolicy

IMAGE = "https://example.com/portrait.png"
POLL = PollPolicy(initial=0.01, maximum=0.05, jitter=0.0)
COSTS = {("ideogram/character", "BALANCED"): 10.0}


def generate_all(kind: str, settings: Mapping[str, object], tasks: int) -> list[object]:
    """`tasks` generate() calls at once (tasks of one loop if `kind` is "async", else threads)
    through one client made with `settings`: each one's task, or what it raised."""
    if kind == "async":

        async def run() -> list[object]:
            async with AsyncCharacterClient(**settings) as client:  # type: ignore[arg-type]
                calls = (client.generate(f"prompt {n}", IMAGE) for n in range(tasks))
                return await asyncio.gather(*calls, return_exceptions=True)

        return asyncio.run(run())
    with (
        CharacterClient(**settings) as client,  # type: ignore[arg-type]
        ThreadPoolExecutor(max_workers=tasks) as pool,
    ):

        def one(n: int) -> object:
            try:
                return client.generate(f"prompt {n}", IMAGE)
            except Exception as error:
                return error

        return list(pool.map(one, range(tasks)))
