"""Memories that forget their oldest entries, so that a process that runs for weeks keeps
at most so many: tasks just created, tasks that expect a callback, confirmed callbacks,
sleeping waits, replays seen.

    remember(recent, "task_1", time.monotonic(), limit=10_000)
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(memory: dict[K, V], key: K, value: V, limit: int) -> None:
    """Set `memory[key]`, then forget the oldest entries past `limit` (dicts keep their
    insertion order)."""
    memory[key] = value
    while len(memory) > limit:
        del memory[next(iter(memory))]
