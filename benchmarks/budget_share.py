"""Benchmark 8: four processes spend from one credit budget. Each runs 250 concurrent
`generate()` calls under `Budget(max_credits, storage=...)` (tests/facade/budget_worker.py,
the async client), all started at once against one fake that charges 10 credits an image;
the budget lets a tenth of them through. The fake's balance and counts say what all of them
together consumed and created.

    python benchmarks/budget_share.py      # alone: prints the figures
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ideogram_facade import _constants as C  # noqa: E402
from ideogram_facade.testing import FakeApikley, TaskTiming  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

PROCESSES = 4
TASKS = 250  # per process
MAX_CREDITS = 1000.0  # 100 of the 1,000 tasks, at the fake's 10 credits an image


@dataclass(frozen=True)
class Share:
    storage: str  # its scheme
    consumed: float
    created: int  # tasks the fake accepted
    sent: int  # createTask requests the fake read
    done: int  # generate() calls that returned a task
    refused: int  # BudgetExceededError
    errors: list[str]

    @property
    def lost(self) -> int:
        """Tasks created that no generate() returned."""
        return self.created - self.done

    @property
    def ok(self) -> bool:
        return (
            self.consumed <= MAX_CREDITS
            and self.lost == 0
            and self.sent == self.created
            and not self.errors
            and self.done + self.refused == PROCESSES * TASKS
        )


def run(storage: str) -> Share:
    # Tasks take a second: every process submits while the others' tasks still hold credits.
    with FakeApikley(timing=TaskTiming(waiting=0, queuing=0, generating=1.0)) as fake:
        before = fake.credits
        env = {**os.environ, C.API_KEY_ENV: fake.api_key}
        command = [sys.executable, "-m", "tests.facade.budget_worker", "async", fake.base_url]
        workers = [
            subprocess.Popen(
                [*command, storage, str(TASKS), str(MAX_CREDITS)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        reports = [json.loads(worker.communicate()[0]) for worker in workers]
        return Share(
            storage.split(":")[0],
            before - fake.credits,
            fake.creates_accepted,
            fake.creates_received,
            sum(r["done"] for r in reports),
            sum(r["refused"] for r in reports),
            [e for r in reports for e in r["errors"]],
        )


def measure() -> list[Share]:
    """One run per shared storage this machine can start (sqlite always)."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        storages = [f"sqlite://{Path(folder) / 'budget.db'}"]
        if RedisServer.find() is not None:
            storages.append(stack.enter_context(RedisServer.start()).url)
        if PostgresServer.find() is not None:
            server = stack.enter_context(PostgresServer.start(owner=os.getpid()))
            storages.append(server.create_database())
        return [run(storage) for storage in storages]


HEAD = (
    f"| storage | credits consumed (budget {MAX_CREDITS:g}) | tasks created | created twice "
    "| lost | refused | errors |\n|---|---|---|---|---|---|---|"
)


def section(shares: list[Share]) -> str:
    rows = "\n".join(
        f"| `{s.storage}` | {s.consumed:g} | {s.created} | {s.sent - s.created} | {s.lost} "
        f"| {s.refused} | {len(s.errors)} |"
        for s in shares
    )
    met = "met" if all(s.ok for s in shares) else "**not met**"
    return f"""## 8. A budget shared by processes

{PROCESSES} processes x {TASKS} concurrent `generate()` calls (the async client), all started at
once, under one `Budget(max_credits={MAX_CREDITS:g}, storage=...)` against one fake that
charges 10 credits an image and runs each task for 1 s; the table is set to those 10 credits.

{HEAD}
{rows}

Target: consumed ≤ budget, 0 lost, 0 created twice, no other error: {met}.
"""


if __name__ == "__main__":
    print(section(measure()))
