"""One side of the scale benchmark, in a process of its own so its peak RSS is its own.

    python benchmarks/scale_worker.py MODE TASKS BASE_URL API_KEY [--gate N] [--cap N]
        [--pool wide|default] [--storage URI] [--threads N]

Prints one JSON line: seconds (wall time of the TASKS concurrent generations, from the first
request to the last answer), when they started and ended (`time.time()`, comparable across
processes), errors, the first error's text, and the process's peak RSS. MODE is
- `facade`: AsyncCharacterClient, rate_limit=None, on the same httpx client as `raw`;
- `raw`: the floor, plain httpx; `--cap N` lets at most N of its requests out at once, as the
  facade's `max_in_flight` does;
- `bare`: the facade with `http_client=httpx.AsyncClient()`, httpx's defaults throughout;
- `threads`: one CharacterClient shared by `--threads` threads, TASKS generations in all;
- `limited`: the facade with every default (RateLimit(), PollPolicy(), its own pool), for
  benchmark 3; `--storage` names the RateLimit's storage (shared by several such processes).
`--gate N` lets at most N generations run at once on the async sides. `--pool default` gives
the facade and raw sides httpx's default pool (100 connections, 20 kept alive) instead of
`wide` (100, all kept alive); see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from common import BENCH_POLL, IMAGE, PROMPT, TIMEOUT, headers, raw_generate_async

from ideogram_facade import AsyncCharacterClient, CharacterClient, RateLimit

POOLS = {
    # Keep-alive for all 100: with httpx's default of 20, 80 busy connections are closed and
    # reopened over and over, and the benchmark measures TCP churn instead of the client.
    "wide": httpx.Limits(max_connections=100, max_keepalive_connections=100),
    "default": httpx.Limits(max_connections=100, max_keepalive_connections=20),
}
# seconds, started and ended (time.time()), the errors' texts
Result = tuple[float, float, float, list[str]]


def peak_rss_mb() -> float:
    """This process's peak resident set, in MB.

    On Linux, from VmHWM: getrusage's ru_maxrss survives fork and exec, so a worker started
    by a parent that had grown to 86 MB (run.py, with matplotlib loaded) reports at least
    86 MB whatever it used itself. VmHWM belongs to the address space exec made fresh.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # B vs KiB
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # "VmHWM:   52132 kB"


async def gather(tasks: int, one: Callable[[], Awaitable[object]], gate: int | None) -> Result:
    semaphore = asyncio.Semaphore(gate or tasks)

    async def gated() -> object:
        async with semaphore:
            return await one()

    started, started_at = time.perf_counter(), time.time()
    results = await asyncio.gather(*(gated() for _ in range(tasks)), return_exceptions=True)
    seconds = time.perf_counter() - started
    return (
        seconds,
        started_at,
        time.time(),
        [repr(r) for r in results if isinstance(r, BaseException)],
    )


def threads(args: argparse.Namespace) -> Result:
    """TASKS generations from `--threads` threads sharing one sync client."""
    with CharacterClient(
        args.api_key, base_url=args.base_url, poll=BENCH_POLL, rate_limit=None
    ) as client:

        def one(_: int) -> str | None:
            try:
                client.generate(PROMPT, IMAGE)
            except Exception as error:
                return repr(error)
            return None

        started, started_at = time.perf_counter(), time.time()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            outcomes = list(pool.map(one, range(args.tasks)))
        seconds = time.perf_counter() - started
    return seconds, started_at, time.time(), [e for e in outcomes if e is not None]


async def run(args: argparse.Namespace) -> Result:
    key, url = args.api_key, args.base_url
    if args.mode == "limited":
        limit = RateLimit(storage=args.storage)
        async with AsyncCharacterClient(key, base_url=url, rate_limit=limit) as client:
            return await gather(args.tasks, lambda: client.generate(PROMPT, IMAGE), args.gate)
    if args.mode == "bare":
        async with httpx.AsyncClient() as bare:
            facade = AsyncCharacterClient(
                key, base_url=url, poll=BENCH_POLL, rate_limit=None, http_client=bare
            )
            return await gather(args.tasks, lambda: facade.generate(PROMPT, IMAGE), args.gate)
    # One pool and one timeout (the facade's default) for both sides; the facade gets it as
    # its http_client, so the only difference left is the facade's own code.
    async with httpx.AsyncClient(limits=POOLS[args.pool], timeout=TIMEOUT) as http:
        if args.mode == "raw":
            auth = headers(key)
            cap = asyncio.Semaphore(args.cap) if args.cap else None

            async def one() -> object:
                await raw_generate_async(http, url, auth, cap)
                return None

        else:
            facade = AsyncCharacterClient(
                key, base_url=url, poll=BENCH_POLL, rate_limit=None, http_client=http
            )

            async def one() -> object:
                return await facade.generate(PROMPT, IMAGE)

        return await gather(args.tasks, one, args.gate)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["facade", "raw", "bare", "threads", "limited"])
    parser.add_argument("tasks", type=int)
    parser.add_argument("base_url")
    parser.add_argument("api_key")
    parser.add_argument("--gate", type=int, default=None)
    parser.add_argument("--pool", choices=sorted(POOLS), default="wide")
    parser.add_argument("--cap", type=int, default=None)
    parser.add_argument("--storage", default="memory://")
    parser.add_argument("--threads", type=int, default=200)
    args = parser.parse_args()
    measured = threads(args) if args.mode == "threads" else asyncio.run(run(args))
    seconds, started_at, ended_at, errors = measured
    line = {
        "seconds": seconds,
        "started_at": started_at,
        "ended_at": ended_at,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
