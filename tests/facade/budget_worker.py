"""A worker process of test_budget_processes.py, spending from a budget that others share.

    python -m tests.facade.budget_worker sync|async BASE_URL STORAGE TASKS MAX_CREDITS
        TASKS generate() calls at once (threads or tasks) under
        Budget(MAX_CREDITS, storage=STORAGE), the table set to the fake's 10 credits an image;
        prints {"done": N, "refused": N, "errors": [...]} as one JSON line

The API key comes from APIKLEY_API_KEY, as for any program.
"""

from __future__ import annotations

import asyncio
import json
import sys
from concurrent.futures import ThreadPoolExecutor

from ideogram_facade import (
    AsyncCharacterClient,
    Budget,
    BudgetExceededError,
    CharacterClient,
    PollPolicy,
)

IMAGE = "https://example.com/portrait.png"
POLL = PollPolicy(initial=0.01, maximum=0.05, jitter=0.0)
COSTS = {("ideogram/character", "BALANCED"): 10.0}


def generate(kind: str, base_url: str, budget: Budget, tasks: int) -> list[object]:
    settings = {"base_url": base_url, "poll": POLL, "rate_limit": None, "budget": budget}
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


def main(argv: list[str]) -> int:
    kind, base_url, storage, tasks, max_credits = argv
    budget = Budget(float(max_credits), storage=storage, costs=COSTS)
    results = generate(kind, base_url, budget, int(tasks))
    refused = [r for r in results if isinstance(r, BudgetExceededError)]
    errors = [repr(r) for r in results if isinstance(r, BaseException) and r not in refused]
    done = len(results) - len(refused) - len(errors)
    print(json.dumps({"done": done, "refused": len(refused), "errors": errors}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
