"""Run every benchmark of issues 7, 12 and 14 against the loopback fake and write BENCHMARKS.md.

    python benchmarks/run.py            # the full run, about 26 minutes (nox -s bench)
    python benchmarks/run.py --quick    # smaller samples, 100 tasks for the rate-limit runs

Each comparison runs its two sides in interleaved rounds and reports the ratio of medians;
the fake always runs in a process of its own, so it never shares the client's GIL. The
shared rate-limit runs need `redis-server` on PATH (Debian's package); without it that row
is reported as not run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import budget_share
import callback_wake
import import_time
import loop_blocking
import overhead
import poll_economy
import report
import scale

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # tests/redis_server.py starts the benchmark's redis-server

from ideogram_facade import _constants as C  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

FULL_COMPLIANCE_TASKS = 1000
RSS_TARGET_MB = 150.0
SHARING_PROCESSES = 4


@dataclass(frozen=True)
class Settings:
    overhead_rounds: int
    overhead_tasks: int
    scale_rounds: int
    scale_tasks: int
    growth_sizes: list[int]
    bare_tasks: int
    threads: int
    thread_tasks: int
    compliance_tasks: int
    import_rounds: int


FULL = Settings(21, 300, 3, 10_000, [1000, 2500, 5000], 2000, 200, 1000, FULL_COMPLIANCE_TASKS, 41)
QUICK = Settings(7, 200, 1, 2000, [500, 1000], 2000, 200, 1000, 100, 15)


def compliance_runs(tasks: int) -> list[scale.Compliance]:
    """One process alone, then SHARING_PROCESSES through sqlite and through Redis, side by
    side: each against its own fake, at some 30 requests a second in all."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        storages = ["memory://", f"sqlite://{Path(folder) / 'limits.db'}"]
        if RedisServer.find() is not None:
            storages.append(stack.enter_context(RedisServer.start()).url)
        else:
            step("no redis-server on PATH: the redis:// run is skipped")
        with ThreadPoolExecutor(len(storages)) as pool:
            runs = [
                pool.submit(
                    scale.measure_compliance,
                    tasks,
                    1 if storage == "memory://" else SHARING_PROCESSES,
                    storage,
                )
                for storage in storages
            ]
            return [run.result() for run in runs]


def step(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def provenance(command: str) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit += " with uncommitted changes" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Produced by `{command}` (`nox -s bench` runs the full one) on {when}, commit {commit}: "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs. Absolute times are this machine's; the ratios are the figures."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples; minutes, not 15")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    s = QUICK if args.quick else FULL
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")

    step("4. poll economy: self-check first (the documented schedule's 106 polls)")
    poll_economy.self_check()
    # Overhead first, in a process whose heap is still small: with matplotlib loaded, every
    # garbage collection walks its objects too, which taxes the side that allocates more
    # (the facade: 1.15 instead of 1.06 in one such run).
    step(f"1. overhead: {s.overhead_rounds} rounds of {s.overhead_tasks} tasks per side")
    over = overhead.measure(s.overhead_rounds, s.overhead_tasks)
    step(f"2. scale: {s.scale_rounds} rounds of {s.scale_tasks} tasks per side, in child processes")
    sc = scale.measure_scale(s.scale_rounds, s.scale_tasks, C.MAX_IN_FLIGHT)
    step(f"2. scale again, every core kept busy by {os.cpu_count()} busy-looping processes")
    busy = scale.measure_scale(s.scale_rounds, s.scale_tasks, C.MAX_IN_FLIGHT, busy=True)
    step(f"2. RSS growth at {s.growth_sizes} tasks; httpx's default client; threads")
    growth = scale.measure_growth(s.growth_sizes, sc)
    robust = scale.measure_robustness(s.bare_tasks, s.threads, s.thread_tasks)
    step(f"3. rate limits: {s.compliance_tasks} tasks per run, about {s.compliance_tasks // 2} s")
    comp = compliance_runs(s.compliance_tasks)
    step(f"5. import time: {s.import_rounds} fresh processes per side")
    imp = import_time.measure(s.import_rounds)
    extra = import_time.extra_by_package()
    step(f"6. callbacks: {callback_wake.TASK_SECONDS:.0f} s tasks woken by their callbacks")
    wakes = callback_wake.measure()
    step(f"7. shared limits and the event loop: {loop_blocking.CALLS} calls per side and round")
    blocking = loop_blocking.measure()
    step(f"8. budget: {budget_share.PROCESSES} x {budget_share.TASKS} tasks per shared storage")
    shares = budget_share.measure()
    step("4. poll economy: table and chart")
    table = poll_economy.table()
    import chart  # matplotlib: only now, see step 1

    chart.draw(table, HERE / "poll_economy.png")

    doc_polls = sum(c.polls for c in table["documented (midpoints)"])
    our = table["facade default PollPolicy()"]
    checks = [
        report.Check("1. overhead ratio, sync", f"{over.ratio:.3f}", "≤ 1.10", over.ratio <= 1.10),
        report.Check(
            f"2. wall-time ratio, {sc.tasks:,} async, vs capped raw httpx",
            f"{sc.wall().ratio:.3f}",
            "≤ 1.10",
            sc.wall().ratio <= 1.10,
        ),
        report.Check("2. errors", str(sc.errors()), "0", sc.errors() == 0),
        report.Check(
            f"2. wall-time ratio, {busy.tasks:,} async, every core busy",
            f"{busy.wall().ratio:.3f}",
            "≤ 1.10",
            busy.wall().ratio <= 1.10,
        ),
        report.Check("2. errors, every core busy", str(busy.errors()), "0", busy.errors() == 0),
        report.Check(
            f"2. peak RSS, {sc.tasks:,} async",
            f"{sc.rss(sc.facade):.1f} MB",
            f"≤ {RSS_TARGET_MB:.0f} MB",
            sc.rss(sc.facade) <= RSS_TARGET_MB,
        ),
        report.Check(
            f"2. RSS growth, up to {growth.points[-1][0]:,} tasks",
            f"{growth.per_1000():.2f} MB / 1,000 tasks",
            "measured",
            True,
        ),
        report.Check(
            f"2. errors, {robust.bare_tasks:,} async on `httpx.AsyncClient()`",
            str(robust.bare.errors),
            "0",
            robust.bare.errors == 0,
        ),
        report.Check(
            f"2. errors, {robust.threads} threads on one sync client",
            str(robust.threaded.errors),
            "0",
            robust.threaded.errors == 0,
        ),
        *(
            report.Check(
                f"3. `{c.storage.split(':')[0]}`, {c.processes} x {c.tasks // c.processes}: "
                "peaks, time, errors",
                f"{c.peak_creates_10s} / 10 s, {c.peak_polls_1s} / 1 s, {c.excess:+.1%}, "
                f"{c.run.errors}",
                "≤ 20, ≤ 10, within 10 %, 0",
                report.compliant(c),
            )
            for c in comp
        ),
        report.Check(
            "4. total polls, 7 durations",
            str(sum(c.polls for c in our)),
            f"< {doc_polls} (documented)",
            sum(c.polls for c in our) < doc_polls,
        ),
        report.Check(
            "4. lag ≤ max(3 s, 15 %)",
            f"{sum(c.lag_ok for c in our)} of {len(our)} durations",
            "all",
            all(c.lag_ok for c in our),
        ),
        report.Check("5. import-time ratio", f"{imp.ratio:.3f}", "≤ 1.5", imp.ratio <= 1.5),
        report.Check(
            "6. callback to wait() return, max",
            f"{wakes.max_latency_ms():.1f} ms",
            "≤ 50 ms",
            wakes.max_latency_ms() <= 50,
        ),
        report.Check(
            f"6. polls by a wait for a {wakes.task_seconds:.0f} s task, max",
            str(wakes.max_polls()),
            "≤ 2",
            wakes.max_polls() <= 2,
        ),
        *(
            report.Check(
                f"8. `{s.storage}` budget, {budget_share.PROCESSES} x {budget_share.TASKS}: "
                "consumed, lost, created twice",
                f"{s.consumed:g} of {budget_share.MAX_CREDITS:g}, {s.lost}, {s.sent - s.created}",
                "≤ budget, 0, 0",
                s.ok,
            )
            for s in shares
        ),
    ]
    quick = "\n\n**`--quick` run: smaller samples than the full run.**" if args.quick else ""
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Issues 7's, 12's and 14's figures, measured against the loopback fake service "
            "(`ideogram_facade.testing.FakeApikley`, in a process of its own). Ratios are facade "
            "/ raw httpx, of medians over interleaved rounds, the two sides measured side by "
            "side in one run: this machine was shared with other work while it ran, which "
            "moves absolute times more than ratios.",
            "",
            provenance(command) + quick,
            "",
            report.summary(checks),
            "",
            report.overhead_section(over, s.overhead_tasks),
            report.scale_section(sc, growth, robust, RSS_TARGET_MB),
            report.busy_section(busy),
            report.compliance_section(comp, FULL_COMPLIANCE_TASKS),
            report.poll_section(table),
            report.import_section(imp, extra),
            callback_wake.section(wakes),
            loop_blocking.section(blocking),
            budget_share.section(shares),
        ]
    )
    args.output.write_text(text)
    print(report.summary(checks))
    step(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
