"""Benchmark 9: what the journal adds to a submit. `CharacterClient.submit()` one after another
(`rate_limit=None`) against the fake in a process of its own, with no journal, a SQLite file
(`synchronous = FULL`) and a PostgreSQL database on loopback: a server with PostgreSQL's
defaults (each commit synced to disk, as a user's server keeps it) and one that syncs nothing
(the round trips alone). Each submit commits "submitting" before createTask leaves and the
task id before it returns. The sides run in interleaved rounds; each submit is timed alone.

    python benchmarks/journal_submit.py      # alone: prints the figures
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from common import IMAGE, PROMPT
from fake_process import FakeProcess

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ideogram_facade import CharacterClient  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

ROUNDS = 21
SUBMITS = 50  # per side and round
TARGET_MS = 3.0  # PostgreSQL's journal may add this much to the median submit
NONE = "no journal"
SQLITE = "SQLite file"
POSTGRES = "PostgreSQL, durable"
POSTGRES_FAST = "PostgreSQL, no fsync"


@dataclass(frozen=True)
class Submits:
    """Seconds per submit, by journal; `missing` says why a journal was not measured."""

    seconds: dict[str, list[float]]
    missing: str = ""

    def median_ms(self, side: str) -> float:
        return statistics.median(self.seconds[side]) * 1000

    def added_ms(self, side: str) -> float:
        return self.median_ms(side) - self.median_ms(NONE)

    @property
    def measured(self) -> bool:
        return POSTGRES in self.seconds

    @property
    def met(self) -> bool:
        return self.measured and self.added_ms(POSTGRES) <= TARGET_MS


@contextlib.contextmanager
def journals() -> Iterator[tuple[dict[str, str | None], str]]:
    """Each journal to measure: its `journal=` (None for none), and why any is missing."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        found: dict[str, str | None] = {NONE: None, SQLITE: str(Path(folder) / "journal.db")}
        if PostgresServer.find() is None:
            yield found, "PostgreSQL's initdb is not installed: its rows were not run"
            return
        durable = stack.enter_context(PostgresServer.start(durable=True))
        fast = stack.enter_context(PostgresServer.start())
        found[POSTGRES] = durable.create_database()
        found[POSTGRES_FAST] = fast.create_database()
        yield found, ""


def measure(rounds: int = ROUNDS, submits: int = SUBMITS) -> Submits:
    with FakeProcess() as fake, journals() as (found, missing), contextlib.ExitStack() as stack:
        clients = {
            side: stack.enter_context(
                CharacterClient(
                    fake.api_key, base_url=fake.base_url, rate_limit=None, journal=journal
                )
            )
            for side, journal in found.items()
        }
        seconds: dict[str, list[float]] = {side: [] for side in clients}

        def run(side: str, samples: list[float] | None) -> None:
            client = clients[side]
            for _ in range(submits):
                started = time.perf_counter()
                client.submit(PROMPT, IMAGE)
                if samples is not None:
                    samples.append(time.perf_counter() - started)

        for side in clients:  # warm-up: connections, tables, the fake's first tasks
            run(side, None)
        sides = list(clients)
        for round_ in range(rounds):
            # A different side first each round, so a drift in the machine's speed hits all.
            shift = round_ % len(sides)
            for side in sides[shift:] + sides[:shift]:
                run(side, seconds[side])
        return Submits(seconds, missing)


def section(s: Submits) -> str:
    rows = "\n".join(
        f"| {side} | {s.median_ms(side):.2f} ms | "
        + ("" if side == NONE else f"{s.added_ms(side):+.2f} ms")
        + f" | {statistics.quantiles(times, n=10)[-1] * 1000:.2f} ms |"
        for side, times in s.seconds.items()
    )
    count = len(s.seconds[NONE])
    if s.measured:
        verdict = (
            f"PostgreSQL (durable) adds {s.added_ms(POSTGRES):.2f} ms to the median submit. "
            f"Target ≤ {TARGET_MS:g} ms: {'met' if s.met else '**MISSED**'}."
        )
    else:
        verdict = f"{s.missing}. Target ≤ {TARGET_MS:g} ms: **not measured**."
    return f"""## 9. A journaled submit

`CharacterClient.submit()` one after another (`rate_limit=None`) against the fake in a process
of its own: with no journal, a SQLite file (`synchronous = FULL`), and a PostgreSQL database on
loopback, once on a server with PostgreSQL's defaults (each commit synced to disk) and once on
one that syncs nothing (the round trips alone). A journaled submit commits "submitting" before
createTask leaves and the task id before it returns. {count} submits per journal, in
interleaved rounds, each timed alone.

| journal | median submit | added to the median | p90 |
|---|---|---|---|
{rows}

{verdict}
"""


if __name__ == "__main__":
    print(section(measure()))
