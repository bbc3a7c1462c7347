"""Benchmark 10: a callback received by one process wakes the wait in another. Process A runs a
receiver (`wsgi_app` on the sync client) with `shared_callbacks=True`; process B runs
concurrent `generate()` calls whose `callback_url` points at A, with shared callbacks on the
same channel: the journal's PostgreSQL database (LISTEN/NOTIFY) or the rate limits' Redis
(pub/sub). Each on a real server that the benchmark starts on loopback; the fake (in this
process) signs its callbacks and counts each task's polls.

Measured per task, by events at both ends (`time.monotonic()`, one clock for all processes on
the host): from A having read the callback, and from A having confirmed the task, to B's
`generate()` returning; and every status poll the fake saw for the task, A's confirmation
included. B's wait sends no poll of its own before 45 s for a task that expects a callback and
gives up after 40: each of its calls returns only because A's confirmation woke it.

    python benchmarks/fleet_wake.py      # alone: prints the figures
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ideogram_facade import _constants as C  # noqa: E402
from ideogram_facade.testing import FakeApikley, TaskTiming  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

WORKER = [sys.executable, str(Path(__file__).resolve().parent / "wake_worker.py")]
KEY = "whsec-benchmark"
TASK_SECONDS = 2.0  # long enough for B's waits to be listening before the callbacks come
TASKS = 10  # per run: B's concurrent generate() calls
ROUNDS = 2  # runs per channel and client
TARGET_MS = 100.0
TARGET_POLLS = 2


@dataclass(frozen=True)
class Wake:
    channel: str  # its scheme
    kind: str  # B's client
    from_delivery: float  # seconds
    from_confirmation: float
    polls: int  # all the fake saw for the task, A's confirmation included


@dataclass(frozen=True)
class Wakes:
    tasks: int  # per run
    wakes: list[Wake]
    missing: list[str]  # why a channel was not measured

    def of(self, channel: str, kind: str | None = None) -> list[Wake]:
        return [w for w in self.wakes if w.channel == channel and kind in (None, w.kind)]

    @property
    def channels(self) -> list[str]:
        return list(dict.fromkeys(w.channel for w in self.wakes))

    def median_ms(self, channel: str) -> float:
        return statistics.median(w.from_delivery for w in self.of(channel)) * 1000

    def max_polls(self, channel: str) -> int:
        return max(w.polls for w in self.of(channel))


@contextlib.contextmanager
def servers() -> Iterator[tuple[list[PostgresServer | RedisServer], list[str]]]:
    """Each server of a channel that this machine can start, and why any other is missing."""
    with contextlib.ExitStack() as stack:
        found: list[PostgresServer | RedisServer] = []
        missing = []
        if PostgresServer.find() is not None:
            found.append(stack.enter_context(PostgresServer.start()))
        else:
            missing.append("PostgreSQL's initdb is not installed")
        if RedisServer.find() is not None:
            found.append(stack.enter_context(RedisServer.start()))
        else:
            missing.append("redis-server is not on PATH")
        yield found, missing


def url(server: PostgresServer | RedisServer) -> str:
    if isinstance(server, PostgresServer):
        return server.create_database()  # a journal of its own for each run
    return server.url


def run(channel: str, kind: str, tasks: int) -> list[Wake]:
    timing = TaskTiming(waiting=0.0, queuing=0.0, generating=TASK_SECONDS)
    with FakeApikley(timing=timing, webhook_key=KEY) as fake:
        env = {**os.environ, C.API_KEY_ENV: fake.api_key}
        receiver = subprocess.Popen(
            [*WORKER, "receive", channel, fake.base_url, KEY],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert receiver.stdout is not None
            callback_url = receiver.stdout.readline().strip()
            waiter = subprocess.run(
                [*WORKER, "wait", channel, fake.base_url, callback_url, str(tasks), kind],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if waiter.returncode != 0:
                raise RuntimeError(f"the waiting process failed:\n{waiter.stderr[-2000:]}")
            returned: dict[str, float] = json.loads(waiter.stdout)
            ends = json.loads(receiver.communicate(timeout=60)[0])
        finally:
            if receiver.poll() is None:
                receiver.kill()
                receiver.wait()
        scheme = channel.split(":")[0]
        return [
            Wake(
                scheme,
                kind,
                at - ends["delivered"][task_id],
                at - ends["confirmed"][task_id],
                fake.polls(task_id),
            )
            for task_id, at in returned.items()
        ]


def measure(rounds: int = ROUNDS, tasks: int = TASKS) -> Wakes:
    wakes: list[Wake] = []
    with servers() as (found, missing):
        for _ in range(rounds):
            for server in found:
                for kind in ("sync", "async"):
                    wakes += run(url(server), kind, tasks)
    return Wakes(tasks, wakes, missing)


def line(w: Wakes, channel: str, kind: str) -> str:
    of = w.of(channel, kind)
    delivery = sorted(x.from_delivery * 1000 for x in of)
    confirmation = statistics.median(x.from_confirmation * 1000 for x in of)
    return (
        f"| `{channel}` | {kind} | {len(of)} | {statistics.median(delivery):.1f} ms | "
        f"{confirmation:.1f} ms | {delivery[-1]:.1f} ms | {max(x.polls for x in of)} |"
    )


HEAD = (
    "| channel | B's client | tasks | median from delivery | median from confirmation "
    "| max from delivery | max polls a task |\n|---|---|---|---|---|---|---|"
)


def section(w: Wakes) -> str:
    rows = "\n".join(line(w, channel, kind) for channel in w.channels for kind in ("sync", "async"))
    verdicts = " ".join(
        f"`{channel}`: median {w.median_ms(channel):.1f} ms "
        f"({'met' if w.median_ms(channel) <= TARGET_MS else '**MISSED**'}), at most "
        f"{w.max_polls(channel)} polls a task "
        f"({'met' if w.max_polls(channel) <= TARGET_POLLS else '**MISSED**'})."
        for channel in w.channels
    )
    missing = "".join(f" Not run: {why}." for why in w.missing)
    return f"""## 10. Callbacks wake waits in other processes

Process A runs a receiver (`wsgi_app`, the sync client) with `shared_callbacks=True`; process B
runs {w.tasks} concurrent `generate()` calls (threads of the sync client, or tasks of the async
one) whose `callback_url` points at A, sharing the channel: the journal's PostgreSQL
(`LISTEN`/`NOTIFY`) or the rate limits' Redis (pub/sub, the limits raised out of the way), each
a real server on loopback. Tasks run {TASK_SECONDS:g} s on the fake, which signs its
callbacks. Timed by events at both ends, on the host's monotonic clock: from A having read the
callback (and from A having confirmed the task with its one poll) to B's `generate()`
returning. B's wait polls nothing by itself before 45 s and gives up after 40, so each call
returned because A's confirmation woke it. Polls are all the fake saw for the task, A's
confirmation included.

{HEAD}
{rows}

Targets: median from delivery ≤ {TARGET_MS:g} ms, ≤ {TARGET_POLLS} polls a task. {verdicts}{missing}
"""


if __name__ == "__main__":
    print(section(measure()))
