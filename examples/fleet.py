"""Queue workers on several machines sharing one journal in PostgreSQL: a worker that dies
loses nothing, and the others finish its tasks, each once.

    pip install "ideogram-facade[postgres]"
    python examples/fleet.py --journal postgresql://app:PW@db.internal/app prompts.txt --out imgs
    python examples/fleet.py --journal postgresql://... --demo 12 --out /tmp/imgs

Each worker first resumes what the fleet left unfinished (a killed worker's tasks; their leases
pass on once their holder is gone), then takes its share of the prompts: submit() records each
task in the journal before it returns, and download() records the saved files. Run the same
command on every machine (each with its own share of the queue, here the prompt file's lines
split by --worker N --of M); the journal is what they share.

--demo starts a fake of the service in this process (no key, nothing charged), runs three
workers, kills one right after its first submit, and lets the survivors finish its task.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
from pathlib import Path

from ideogram_facade import ApikleyError, CharacterClient

REFERENCE = "https://example.com/portrait.png"


def work(journal: str, prompts: list[str], out: str, die_after_submit: bool = False) -> int:
    """One worker: the fleet's unfinished tasks, then its own prompts; how many failed."""
    failed = 0
    # One client per process, made in the process; the journal is shared through its URI.
    with CharacterClient(journal=journal) as client:
        for task in client.resume(out):  # each under its lease: no two workers on one task
            print(f"[{os.getpid()}] resumed {task.task_id}: {task.state.value}", flush=True)
        for prompt in prompts:
            try:
                task_id = client.submit(prompt, REFERENCE)  # journaled before it returns
                if die_after_submit:
                    os.kill(os.getpid(), signal.SIGKILL)  # the demo's crash
                task = client.wait(task_id)
                client.download(task, out)
            except ApikleyError as error:  # names the task id when there is one
                print(f"[{os.getpid()}] failed: {error}", flush=True)
                failed += 1
                continue
            print(f"[{os.getpid()}] saved {task.task_id}", flush=True)
    return failed


def demo(journal: str, count: int, out: str) -> int:
    from ideogram_facade import _constants as C
    from ideogram_facade.testing import FakeApikley, TaskTiming

    prompts = [f"the same woman, scene {n}" for n in range(count)]
    with FakeApikley(timing=TaskTiming.fast()) as fake:
        os.environ[C.API_KEY_ENV] = fake.api_key  # as the workers read it in production
        os.environ[C.BASE_URL_ENV] = fake.base_url
        spawn = multiprocessing.get_context("spawn")
        doomed = spawn.Process(target=work, args=(journal, prompts[:1], out, True))
        doomed.start()
        doomed.join()
        print(f"worker {doomed.pid} was killed after its submit (exit {doomed.exitcode})")
        with spawn.Pool(2) as pool:
            shares = [(journal, prompts[1 + n :: 2], out) for n in range(2)]
            failed = sum(pool.starmap(work, shares))
        with CharacterClient(journal=journal) as client:
            left = len(client.unfinished())
        print(f"{fake.creates_received} tasks created for {count} prompts; {left} unfinished")
    return failed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", required=True, help="postgresql://USER:PW@HOST:PORT/DB")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("prompts", nargs="?", type=Path, help="a file, one prompt per line")
    source.add_argument("--demo", type=int, metavar="N", help="N prompts against a fake service")
    parser.add_argument("--out", required=True, help="where the images go")
    parser.add_argument("--worker", type=int, default=0, help="this worker's number, from 0")
    parser.add_argument("--of", type=int, default=1, help="how many workers share the prompts")
    args = parser.parse_args(argv)
    if args.demo is not None:
        return 1 if demo(args.journal, args.demo, args.out) else 0
    lines = [line.strip() for line in args.prompts.read_text().splitlines() if line.strip()]
    return 1 if work(args.journal, lines[args.worker :: args.of], args.out) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
