"""Benchmark 5: `import ideogram_facade` against `import httpx`, each in a fresh interpreter.

A fresh process per sample, because a second import in one process is a dict lookup. The
figure includes interpreter start-up, the same for both sides, as a user's script would see.
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import Comparison


def _seconds(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - started


def measure(rounds: int) -> Comparison:
    _seconds("ideogram_facade")  # warm the OS file cache and the .pyc files first
    _seconds("httpx")
    a: list[float] = []
    b: list[float] = []
    for round_ in range(rounds):
        pairs = [("ideogram_facade", a), ("httpx", b)]
        for module, samples in pairs if round_ % 2 == 0 else reversed(pairs):
            samples.append(_seconds(module))
    return Comparison(a, b)


def _self_times(module: str) -> dict[str, int]:
    """Microseconds spent in each imported module itself, from `-X importtime`."""
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    lines = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    times: dict[str, int] = {}
    for line in lines.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        times[name.strip()] = int(own)
    return times


def extra_by_package() -> list[tuple[str, float, int]]:
    """What `import ideogram_facade` costs beyond `import httpx`: (top-level package, ms,
    modules), slowest first. Self times, not cumulative ones: the facade's first module
    imports httpx itself, so its cumulative time would count httpx too."""
    facade, floor = _self_times("ideogram_facade"), _self_times("httpx")
    totals: dict[str, tuple[float, int]] = {}
    for name, micros in facade.items():
        if name not in floor:
            package = name.split(".")[0]
            ms, count = totals.get(package, (0.0, 0))
            totals[package] = (ms + micros / 1000, count + 1)
    ranked = sorted(totals.items(), key=lambda item: item[1][0], reverse=True)
    return [(package, ms, count) for package, (ms, count) in ranked]
