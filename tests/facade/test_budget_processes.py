"""A budget shared by processes: `Budget(storage="sqlite:///...", "redis://...",
"postgresql://...")`. Worker processes (`budget_worker.py`) run generate() against one fake,
all at once; the fake's own balance says what all of them together consumed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ideogram_facade import _constants as C
from ideogram_facade.testing import FakeApikley, TaskTiming

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.facade.budget_worker"]
KINDS = ["sync", "async", "sync", "async"]
TASKS = 10  # per worker: 400 credits wanted in all, at the fake's 10 an image
MAX_CREDITS = 100


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'budget.db'}"
    if request.param == "redis":
        import redis

        url = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + "/2"
        with redis.Redis.from_url(url) as server:
            server.flushdb()
        return str(url)
    return str(request.getfixturevalue("postgres_url"))


def run_workers(storage: str) -> tuple[list[dict[str, object]], float, int]:
    """Every worker's report, the credits the fake charged, and the tasks it created."""
    # Tasks run long enough that every worker submits while others' tasks still hold credits.
    with FakeApikley(timing=TaskTiming(waiting=0, queuing=0, generating=0.3)) as fake:
        before = fake.credits
        env = {**os.environ, C.API_KEY_ENV: fake.api_key}
        workers = [
            subprocess.Popen(
                [*WORKER, kind, fake.base_url, storage, str(TASKS), str(MAX_CREDITS)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for kind in KINDS
        ]
        reports = [json.loads(worker.communicate(timeout=120)[0]) for worker in workers]
        return reports, before - fake.credits, fake.creates_accepted


@pytest.mark.slow
@pytest.mark.processes
def test_processes_sharing_a_budget_never_consume_more_than_it_together(storage: str) -> None:
    reports, consumed, created = run_workers(storage)
    assert [report["errors"] for report in reports] == [[]] * len(KINDS)
    done = sum(int(report["done"]) for report in reports)  # type: ignore[call-overload]
    refused = sum(int(report["refused"]) for report in reports)  # type: ignore[call-overload]
    assert done + refused == TASKS * len(KINDS)
    assert consumed <= MAX_CREDITS
    assert created == done >= 1  # every task created was waited for and consumed its 10
    assert consumed == 10 * done


@pytest.mark.slow
@pytest.mark.processes
def test_processes_with_budgets_in_memory_each_keep_only_their_own() -> None:
    # The control for the test above: the same workers with memory:// pass it together.
    reports, consumed, _ = run_workers("memory://")
    assert [report["errors"] for report in reports] == [[]] * len(KINDS)
    assert consumed > MAX_CREDITS
