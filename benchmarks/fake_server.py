"""The loopback fake in a process of its own, driven over its stdin.

    python benchmarks/fake_server.py
    {"base_url": "http://127.0.0.1:PORT", "api_key": "fake-..."}
    peak createTask 10        <- a command on stdin
    20                        -> its answer on stdout

A process of its own so that the fake never competes with the measured client for one GIL;
`python -m ideogram_facade.testing serve` can't answer `peak_rate`, which the rate-limit
benchmark needs, hence this wrapper. End of stdin (the parent exiting) stops the fake.
"""

from __future__ import annotations

import bisect
import json
import sys

from ideogram_facade.testing import FakeApikley, TaskTiming


def answer(fake: FakeApikley, command: list[str]) -> object:
    match command:
        case ["peak", endpoint, window]:
            return fake.peak_rate(endpoint, float(window))
        case ["busiest", endpoint, window]:
            return busiest(fake, endpoint, float(window))
        case ["stats"]:
            return {
                "creates_accepted": fake.creates_accepted,
                "peak_connections": fake.peak_connections,
            }
        case _:
            return {"error": f"unknown command {command!r}"}


def busiest(fake: FakeApikley, endpoint: str, window: float) -> dict[str, float]:
    """Where the busiest `window` of `endpoint` lies: seconds after its first request, and
    how many it held; peak_rate gives the count only, and a miss needs its place too."""
    times = sorted(r.time for r in fake.requests if r.endpoint == endpoint)
    best, where = 0, 0.0
    for index, start in enumerate(times):
        count = bisect.bisect_left(times, start + window, lo=index) - index
        if count > best:
            best, where = count, start - times[0]
    return {"count": best, "start": where}


def main() -> int:
    # Instant tasks: done at the first poll. Credits enough for any run. The log holds the
    # rate-limit run's ~2,000 requests, for `busiest`; a bound keeps the scale runs' flat.
    fake = FakeApikley(timing=TaskTiming.instant(), credits=1e15, request_log_limit=20_000)
    with fake:
        print(json.dumps({"base_url": fake.base_url, "api_key": fake.api_key}), flush=True)
        for line in sys.stdin:
            print(json.dumps(answer(fake, line.split())), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
