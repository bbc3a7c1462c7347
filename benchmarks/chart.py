"""The poll-economy chart: polls and detection lag against task duration, per schedule."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the bench session runs headless

import matplotlib.pyplot as plt
from poll_economy import DURATIONS, Cell


def draw(table: dict[str, list[Cell]], path: Path) -> None:
    figure, (polls, lag) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for name, cells in table.items():
        polls.plot(DURATIONS, [c.polls for c in cells], marker="o", label=name)
        lag.plot(DURATIONS, [c.lag for c in cells], marker="o", label=name)
    target = [max(3.0, 0.15 * d) for d in DURATIONS]
    lag.plot(DURATIONS, target, color="black", linestyle="--", label="target max(3 s, 15 %)")
    for axes in (polls, lag):
        axes.set_xscale("log")
        axes.set_xticks(DURATIONS, [str(d) for d in DURATIONS])
        axes.set_xlabel("task duration (s)")
        axes.grid(True, which="major", alpha=0.3)
    # Log scale: the fixed intervals poll 10-100x more than the others, which would squash them.
    polls.set_yscale("log")
    polls.set_ylabel("status polls, worst case")
    polls.set_title("Polls per task")
    lag.set_ylabel("detection lag, worst case (s)")
    lag.set_title("Time from task end to noticing it")
    lag.legend(fontsize="small")
    figure.savefig(path, dpi=110)
    plt.close(figure)
