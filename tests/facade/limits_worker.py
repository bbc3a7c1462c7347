"""A worker process of test_shared_limits.py, sharing its rate limits through a storage.

    python -m tests.facade.limits_worker generate sync|async BASE_URL STORAGE TASKS CREATES POLLS
        TASKS generate() calls at once (threads or tasks) with
        RateLimit(CREATES, POLLS, storage=STORAGE); prints {"errors": [...]} as one JSON line
    python -m tests.facade.limits_worker hang STORAGE SCOPE PERIOD LEASE
        takes the one slot of a window (limit 1) and never gives it back; prints "held"

The API key comes from APIKLEY_API_KEY, as for any program.
"""

from __future__ import annotations

import json
import sys
import time

from ideogram_facade import RateLimit
from ideogram_facade._models import parse_storage
from ideogram_facade._shared_limits import RedisStore, SharedWindow, SqliteStore, Store
from tests.facade.worker_support import POLL, generate_all


def open_store(uri: str) -> Store:
    storage = parse_storage(uri)
    if storage.kind == "sqlite":
        return SqliteStore(storage.location, storage.shown)
    return RedisStore(storage.location, storage.shown)


def main(argv: list[str]) -> int:
    if argv[0] == "generate":
        kind, base_url, storage, tasks, creates, polls = argv[1:]
        limit = RateLimit(int(creates), int(polls), storage=storage)
        settings = {"base_url": base_url, "poll": POLL, "rate_limit": limit}
        results = generate_all(kind, settings, int(tasks))
        errors = [repr(r) for r in results if isinstance(r, BaseException)]
        print(json.dumps({"errors": errors}), flush=True)
        return 0
    storage, scope, period, lease = argv[1:]
    window = SharedWindow(open_store(storage), scope, 1, float(period), float(lease))
    ticket = window.reserve()
    assert ticket.wait == 0, "the window must be free when this worker starts"
    print("held", flush=True)
    time.sleep(3600)  # until killed, "mid-request"
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
