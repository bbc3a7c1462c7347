"""A worker process of test_budget_processes.py, spending from a budget that others share.

    python -m tests.facade.budget_worker sync|async BASE_URL STORAGE TASKS MAX_CREDITS
        TASKS generate() calls at once (threads or tasks) under
        Budget(MAX_CREDITS, storage=STORAGE), the table set to the fake's 10 credits an image;
        prints {"done": N, "refused": N, "errors": [...]} as one JSON line

The API key comes from APIKLEY_API_KEY, as for any program.
"""

from __future__ import annotations

import json
import sys

from ideogram_facade import Budget, BudgetExceededError
from tests.facade.worker_support import COSTS, POLL, generate_all


def main(argv: list[str]) -> int:
    kind, base_url, storage, tasks, max_credits = argv
    budget = Budget(float(max_credits), storage=storage, costs=COSTS)
    settings = {"base_url": base_url, "poll": POLL, "rate_limit": None, "budget": budget}
    results = generate_all(kind, settings, int(tasks))
    refused = [r for r in results if isinstance(r, BudgetExceededError)]
    errors = [repr(r) for r in results if isinstance(r, BaseException) and r not in refused]
    done = len(results) - len(refused) - len(errors)
    print(json.dumps({"done": done, "refused": len(refused), "errors": errors}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
