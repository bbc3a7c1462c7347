"""Run every benchmark of issues 7, 12, 14 and 22 against the loopback fake; write BENCHMARKS.md.

    python benchmarks/run.py            # the full run, about 26 minutes (nox -s bench)
    python benchmarks/run.py --quick    # smaller samples, 100 tasks for the rate-limit runs
    python benchmarks/run.py --only 8,9,10   # these sections, put into BENCHMARKS.md in place
                                             # of their old figures; the others kept

Each comparison runs its two sides in interleaved rounds and reports the ratio of medians;
the fake always runs in a process of its own, so it never shares the client's GIL. The
shared rate-limit runs need `redis-server` on PATH (Debian's package); without it that row
is reported as not run. The journal, budget and cross-process callback runs start their own
PostgreSQL (tests/postgres_server.py, Debian's `postgresql` package) and redis-server.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import budget_share
import callback_wake
import fleet_wake
import import_time
import journal_submit
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
    journal_rounds: int
    journal_submits: int
    wake_rounds: int


FULL = Settings(
    21, 300, 3, 10_000, [1000, 2500, 5000], 2000, 200, 1000, FULL_COMPLIANCE_TASKS, 41, 21, 50, 2
)
QUICK = Settings(7, 200, 1, 2000, [500, 1000], 2000, 200, 1000, 100, 15, 5, 20, 1)


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


@dataclass(frozen=True)
class Part:
    """One section of BENCHMARKS.md: its rows in the summary table, and its text."""

    checks: list[report.Check]
    text: str


def overhead_part(s: Settings) -> Part:
    # Overhead first, in a process whose heap is still small: with matplotlib loaded, every
    # garbage collection walks its objects too, which taxes the side that allocates more
    # (the facade: 1.15 instead of 1.06 in one such run).
    step(f"1. overhead: {s.overhead_rounds} rounds of {s.overhead_tasks} tasks per side")
    over = overhead.measure(s.overhead_rounds, s.overhead_tasks)
    check = report.ratio_check("1. overhead ratio, sync", over.ratio)
    return Part([check], report.overhead_section(over, s.overhead_tasks))


def scale_part(s: Settings) -> Part:
    step(f"2. scale: {s.scale_rounds} rounds of {s.scale_tasks} tasks per side, in child processes")
    sc = scale.measure_scale(s.scale_rounds, s.scale_tasks, C.MAX_IN_FLIGHT)
    step(f"2. RSS growth at {s.growth_sizes} tasks; httpx's default client; threads")
    growth = scale.measure_growth(s.growth_sizes, sc)
    robust = scale.measure_robustness(s.bare_tasks, s.threads, s.thread_tasks)
    checks = [
        report.ratio_check(
            f"2. wall-time ratio, {sc.tasks:,} async, vs capped raw httpx", sc.wall().ratio
        ),
        report.Check("2. errors", str(sc.errors()), "0", sc.errors() == 0),
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
    ]
    return Part(checks, report.scale_section(sc, growth, robust, RSS_TARGET_MB))


def busy_part(s: Settings) -> Part:
    step(f"2b. scale again, every core kept busy by {os.cpu_count()} busy-looping processes")
    busy = scale.measure_scale(s.scale_rounds, s.scale_tasks, C.MAX_IN_FLIGHT, busy=True)
    checks = [
        report.ratio_check(
            f"2b. wall-time ratio, {busy.tasks:,} async, every core busy", busy.wall().ratio
        ),
        report.Check("2b. errors, every core busy", str(busy.errors()), "0", busy.errors() == 0),
    ]
    return Part(checks, report.busy_section(busy))


def compliance_part(s: Settings) -> Part:
    step(f"3. rate limits: {s.compliance_tasks} tasks per run, about {s.compliance_tasks // 2} s")
    comp = compliance_runs(s.compliance_tasks)
    checks = [
        report.Check(
            f"3. `{c.storage.split(':')[0]}`, {c.processes} x {c.tasks // c.processes}: "
            "peaks, time, errors",
            f"{c.peak_creates_10s} / 10 s, {c.peak_polls_1s} / 1 s, {c.excess:+.1%}, "
            f"{c.run.errors}",
            "≤ 20, ≤ 10, within 10 %, 0",
            report.compliant(c),
        )
        for c in comp
    ]
    return Part(checks, report.compliance_section(comp, FULL_COMPLIANCE_TASKS))


def poll_part(s: Settings) -> Part:
    step("4. poll economy: table and chart")
    table = poll_economy.table()
    import chart  # matplotlib: only now, see overhead_part

    chart.draw(table, HERE / "poll_economy.png")
    doc_polls = sum(c.polls for c in table["documented (midpoints)"])
    our = table["facade default PollPolicy()"]
    checks = [
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
    ]
    return Part(checks, report.poll_section(table))


def import_part(s: Settings) -> Part:
    step(f"5. import time: {s.import_rounds} fresh processes per side")
    imp = import_time.measure(s.import_rounds)
    extra = import_time.extra_by_package()
    check = report.Check("5. import-time ratio", f"{imp.ratio:.3f}", "≤ 1.5", imp.ratio <= 1.5)
    return Part([check], report.import_section(imp, extra))


def wake_part(s: Settings) -> Part:
    step(f"6. callbacks: {callback_wake.TASK_SECONDS:.0f} s tasks woken by their callbacks")
    wakes = callback_wake.measure()
    checks = [
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
    ]
    return Part(checks, callback_wake.section(wakes))


def blocking_part(s: Settings) -> Part:
    step(f"7. shared limits and the event loop: {loop_blocking.CALLS} calls per side and round")
    return Part([], loop_blocking.section(loop_blocking.measure()))


def budget_part(s: Settings) -> Part:
    step(f"8. budget: {budget_share.PROCESSES} x {budget_share.TASKS} tasks per shared storage")
    shares = budget_share.measure()
    checks = [
        report.Check(
            f"8. `{share.storage}` budget, {budget_share.PROCESSES} x {budget_share.TASKS}: "
            "consumed, lost, created twice",
            f"{share.consumed:g} of {budget_share.MAX_CREDITS:g}, {share.lost}, "
            f"{share.sent - share.created}",
            "≤ budget, 0, 0",
            share.ok,
        )
        for share in shares
    ]
    return Part(checks, budget_share.section(shares))


def journal_part(s: Settings) -> Part:
    step(f"9. journaled submits: {s.journal_rounds} rounds of {s.journal_submits} per journal")
    submits = journal_submit.measure(s.journal_rounds, s.journal_submits)
    target = f"≤ +{journal_submit.TARGET_MS:g} ms"
    if not submits.measured:
        missed = report.Check(
            "9. PostgreSQL journal, added to the median submit", "not run", target, False
        )
        return Part([missed], journal_submit.section(submits))
    durable, fast = journal_submit.POSTGRES, journal_submit.POSTGRES_FAST
    checks = [
        report.Check(
            "9. PostgreSQL journal (durable), added to the median submit",
            f"{submits.added_ms(durable):+.2f} ms ({submits.median_ms(journal_submit.NONE):.2f} "
            f"ms without)",
            target,
            submits.met,
        ),
        report.Check(
            "9. PostgreSQL journal (no fsync), added to the median submit",
            f"{submits.added_ms(fast):+.2f} ms",
            "measured",
            True,
        ),
        report.Check(
            "9. SQLite journal, added to the median submit",
            f"{submits.added_ms(journal_submit.SQLITE):+.2f} ms",
            "measured",
            True,
        ),
    ]
    return Part(checks, journal_submit.section(submits))


def fleet_wake_part(s: Settings) -> Part:
    step(f"10. callbacks across processes: {s.wake_rounds} rounds per channel and client")
    wakes = fleet_wake.measure(s.wake_rounds)
    checks = [
        check
        for channel in wakes.channels
        for check in (
            report.Check(
                f"10. `{channel}` wake, delivery in A to wait() returning in B, median",
                f"{wakes.median_ms(channel):.1f} ms",
                f"≤ {fleet_wake.TARGET_MS:g} ms",
                wakes.median_ms(channel) <= fleet_wake.TARGET_MS,
            ),
            report.Check(
                f"10. `{channel}` wake, polls a task, max",
                str(wakes.max_polls(channel)),
                f"≤ {fleet_wake.TARGET_POLLS}",
                wakes.max_polls(channel) <= fleet_wake.TARGET_POLLS,
            ),
        )
    ]
    if wakes.missing:
        checks.append(report.Check("10. channels not run", "; ".join(wakes.missing), "none", False))
    return Part(checks, fleet_wake.section(wakes))


# Each section, in the order a run measures them: the overhead first (see overhead_part), the
# poll economy last (it loads matplotlib). BENCHMARKS.md lists them by number.
PARTS: dict[str, Callable[[Settings], Part]] = {
    "1": overhead_part,
    "2": scale_part,
    "2b": busy_part,
    "3": compliance_part,
    "5": import_part,
    "6": wake_part,
    "7": blocking_part,
    "8": budget_part,
    "9": journal_part,
    "10": fleet_wake_part,
    "4": poll_part,
}
ORDER = sorted(PARTS, key=lambda number: (int(number.rstrip("b")), number))
# A section's heading (`## 2.`, `### 2b.`) and its rows in the summary table (`| 2b. ...`).
HEADING = re.compile(r"^##+ (\d+b?)\. ", re.MULTILINE)
ROW = re.compile(r"^\| (\d+b?)\. ")


def chosen(text: str) -> list[str]:
    numbers = [number.strip() for number in text.split(",") if number.strip()]
    unknown = [number for number in numbers if number not in PARTS]
    if unknown or not numbers:
        raise argparse.ArgumentTypeError(
            f"sections are {', '.join(ORDER)}, comma-separated; got {text!r}"
        )
    return numbers


def merge(old: str, parts: dict[str, Part], note: str) -> str:
    """`old` (a BENCHMARKS.md) with `parts`' sections and summary rows in place of its own (or
    added, in order), each section headed by `note`; everything else kept as it was."""
    first = HEADING.search(old)
    head, body = (old[: first.start()], old[first.start() :]) if first else (old, "")
    found = list(HEADING.finditer(body))
    ends = [m.start() for m in found[1:]] + [len(body)]
    sections = {
        m[1]: body[m.start() : end].rstrip("\n") + "\n" for m, end in zip(found, ends, strict=True)
    }
    for number, part in parts.items():
        heading, _, rest = part.text.partition("\n")
        sections[number] = f"{heading}\n\n{note}\n{rest}".rstrip("\n") + "\n"
    lines = head.split("\n")
    table = [n for n, line in enumerate(lines) if line.startswith("|")]
    rows: dict[str, list[str]] = {}
    for line in (lines[n] for n in table[2:]):
        row = ROW.match(line)
        rows.setdefault(row[1] if row else "", []).append(line)
    for number, part in parts.items():
        rows[number] = report.summary(part.checks).split("\n")[2:]
    summary = [*lines[table[0] : table[0] + 2], *(r for n in ["", *ORDER] for r in rows.get(n, []))]
    head = "\n".join([*lines[: table[0]], *summary, *lines[table[-1] + 1 :]])
    return head + "\n".join(sections[n] for n in sorted(sections, key=ORDER.index))


def load() -> str:
    return " / ".join(f"{minutes:.1f}" for minutes in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples; minutes, not 15")
    parser.add_argument(
        "--only",
        type=chosen,
        metavar="N,N",
        help="run these sections (e.g. 8,9,10) and put them into the output in place of its "
        "own, keeping the others",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    s = QUICK if args.quick else FULL
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    if args.only:
        command += f" --only {','.join(args.only)}"
    numbers = [number for number in PARTS if number in (args.only or PARTS)]

    began = load()
    if "4" in numbers:
        step("4. poll economy: self-check first (the documented schedule's 106 polls)")
        poll_economy.self_check()
    parts = {number: PARTS[number](s) for number in numbers}
    loads = f"load average (1 / 5 / 15 min) {began} at the start, {load()} at the end"
    checks = [check for number in ORDER if number in parts for check in parts[number].checks]
    quick = "\n\n**`--quick` run: smaller samples than the full run.**" if args.quick else ""
    if args.only and args.output.exists():
        note = f"*{provenance(command)} {loads.capitalize()}.*{quick}"
        text = merge(args.output.read_text(), parts, note)
    else:
        text = "\n".join(
            [
                "# Benchmarks",
                "",
                "Issues 7's, 12's, 14's and 22's figures, measured against the loopback fake "
                "service (`ideogram_facade.testing.FakeApikley`, in a process of its own). Ratios "
                "are facade / raw httpx, of medians over interleaved rounds, the two sides "
                "measured side by side in one run: this machine was shared with other work while "
                "it ran, which moves absolute times more than ratios.",
                "",
                f"{provenance(command)} {loads.capitalize()}.{quick}",
                "",
                report.summary(checks),
                "",
                *(parts[number].text for number in ORDER if number in parts),
            ]
        )
    args.output.write_text(text)
    print(report.summary(checks))
    step(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
