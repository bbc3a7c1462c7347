"""Several worker processes sharing one API key, and so its rate limits, through one storage.

    python examples/shared_workers.py prompts.txt --workers 4 --storage sqlite:///tmp/limits.db
    python examples/shared_workers.py prompts.txt --storage redis://redis.internal:6379/0
    python examples/shared_workers.py --demo 30      # 30 prompts against a local fake service

Each line of prompts.txt is one prompt; every prompt uses the same reference image
(--reference, a URL). The workers split the prompts; in each, every prompt is submit()ted (the
create waits its turn in the shared window), its task id printed at once, so that a crash
loses nothing (`ideogram-character wait TASK_ID` resumes it), and then wait()ed for. However
many workers run, on however many machines (with redis://), the service sees at most 20
creates in any 10 s and 10 polls in any second, and no call collects a 429.

--demo starts a fake of the service in this process (no key, nothing charged) and prints, from
its own request log, the busiest 10 s of creates and the busiest second of polls.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
from pathlib import Path

from ideogram_facade import ApikleyError, AsyncCharacterClient, RateLimit

REFERENCE = "https://example.com/portrait.png"


async def work(prompts: list[str], reference: str, storage: str) -> int:
    """One worker: its share of the prompts, all at once; the number that failed."""
    # One client per process, made in the process (never inherited through fork). The storage
    # is what makes the limits shared; the numbers must be the same in every worker.
    limit = RateLimit(creates_per_10s=20, polls_per_second=10, storage=storage)
    async with AsyncCharacterClient(rate_limit=limit) as client:

        async def one(prompt: str) -> bool:
            try:
                task_id = await client.submit(prompt, reference)
                print(f"[{os.getpid()}] submitted {task_id}: {prompt}", flush=True)
                task = await client.wait(task_id)
            except ApikleyError as error:  # names the task id when there is one
                print(f"[{os.getpid()}] failed: {error}", flush=True)
                return False
            print(f"[{os.getpid()}] done {task.task_id}: {' '.join(task.image_urls)}", flush=True)
            return True

        results = await asyncio.gather(*(one(prompt) for prompt in prompts))
    return results.count(False)


def worker(prompts: list[str], reference: str, storage: str) -> int:
    return asyncio.run(work(prompts, reference, storage))


def run(prompts: list[str], workers: int, reference: str, storage: str) -> int:
    shares = [prompts[n::workers] for n in range(workers)]
    # spawn: each worker starts a fresh interpreter, with no client or socket of the parent's.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        failed = pool.starmap(worker, [(share, reference, storage) for share in shares])
    return sum(failed)


def demo(prompts: list[str], workers: int, reference: str, storage: str) -> int:
    from ideogram_facade import _constants as C
    from ideogram_facade.testing import FakeApikley, TaskTiming

    with FakeApikley(timing=TaskTiming.fast()) as fake:
        # The workers read their settings from the environment, as they would in production.
        os.environ[C.API_KEY_ENV] = fake.api_key
        os.environ[C.BASE_URL_ENV] = fake.base_url
        failed = run(prompts, workers, reference, storage)
        print(f"busiest 10 s of creates: {fake.peak_rate('createTask', 10)} (limit 20)")
        print(f"busiest second of polls: {fake.peak_rate('recordInfo', 1)} (limit 10)")
    return failed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("prompts", nargs="?", type=Path, help="a file, one prompt per line")
    source.add_argument("--demo", type=int, metavar="N", help="N prompts against a fake service")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reference", default=REFERENCE, help="the reference image's URL")
    parser.add_argument(
        "--storage",
        default="sqlite:///tmp/ideogram-facade-limits.db",
        help="where the shared limits live: sqlite:///PATH (one host) or redis://HOST:PORT/DB",
    )
    args = parser.parse_args(argv)
    if args.demo is not None:
        prompts = [f"the same woman, scene {n}" for n in range(args.demo)]
        failed = demo(prompts, args.workers, args.reference, args.storage)
    else:
        prompts = [line.strip() for line in args.prompts.read_text().splitlines() if line.strip()]
        failed = run(prompts, args.workers, args.reference, args.storage)
    print(f"{len(prompts) - failed} of {len(prompts)} prompts done")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
