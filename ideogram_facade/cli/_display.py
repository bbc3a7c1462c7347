"""What the user watches on stderr, and tables on stdout: with rich when it is installed.

rich is the optional extra `ideogram-facade[cli]`; without it every display falls back to
plain lines, so the CLI never needs it to work. Progress goes to stderr so that stdout stays
clean for paths and --json.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any, Protocol


def _rich_console(stderr: bool) -> Any | None:
    """A rich Console, or None when rich is not installed (or is deliberately hidden)."""
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(stderr=stderr)


def _seconds(value: float) -> str:
    value = max(0, int(value))
    return f"{value // 60}:{value % 60:02d}"


def eta(total: int, finished: int, elapsed: float) -> str:
    """Time left at the rate lines have finished so far in this run ("-:--" until one has):
    the observed rate, which counts the waits for rate limits and the tasks' real durations."""
    if finished <= 0 or elapsed <= 0:
        return "-:--"
    return _seconds(elapsed / finished * (total - finished))


class StatusLine(Protocol):
    """The progress of one task: `set()` the current step; elapsed time is added here."""

    def set(self, text: str) -> None: ...

    def close(self) -> None: ...


class _PlainLines:
    """Not a terminal (a log file, CI): one line per step, nothing rewritten."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def set(self, text: str) -> None:
        elapsed = time.monotonic() - self._started
        print(f"{text} ({elapsed:.1f} s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _CarriageReturnLine(_PlainLines):
    """A terminal without rich: one line, rewritten in place at each step."""

    def set(self, text: str) -> None:
        elapsed = time.monotonic() - self._started
        sys.stderr.write(f"\r\x1b[K{text} ({elapsed:.1f} s)")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _RichLine:
    """A terminal with rich: a spinner and a clock that tick between the steps too."""

    def __init__(self, console: Any) -> None:
        from rich.live import Live

        self._started = time.monotonic()
        self._text = "starting"
        self._live = Live(self, console=console, refresh_per_second=8, transient=True)
        self._live.start()

    def __rich__(self) -> Any:
        from rich.text import Text

        elapsed = time.monotonic() - self._started
        return Text.assemble(("⠿ ", "cyan"), self._text, (f"  {elapsed:.1f} s", "dim"))

    def set(self, text: str) -> None:
        self._text = text
        self._live.refresh()

    def close(self) -> None:
        self._live.stop()


def status_line() -> StatusLine:
    if not sys.stderr.isatty():
        return _PlainLines()
    console = _rich_console(stderr=True)
    if console is None or not console.is_terminal:
        return _CarriageReturnLine()
    return _RichLine(console)


class BatchProgress(Protocol):
    """Counts of a batch run as lines finish; `note()` prints a line above the bar."""

    def update(self, *, done: int, failed: int, running: int) -> None: ...

    def note(self, text: str) -> None: ...

    def close(self) -> None: ...


class _PlainProgress:
    """Not a terminal: a line each time a line of the batch finishes, nothing in between."""

    def __init__(self, total: int) -> None:
        self._total = total
        self._started = time.monotonic()
        self._finished = 0

    def update(self, *, done: int, failed: int, running: int) -> None:
        finished = done + failed
        if finished == self._finished:
            return
        self._finished = finished
        left = eta(self._total, finished, time.monotonic() - self._started)
        print(
            f"[{finished}/{self._total}] done {done}, failed {failed}, running {running}, "
            f"ETA {left}",
            file=sys.stderr,
            flush=True,
        )

    def note(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _RichProgress:
    def __init__(self, console: Any, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]done {task.fields[done]}[/] · [red]failed {task.fields[failed]}[/] · "
                "running {task.fields[running]}"
            ),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            console=console,
        )
        self._total = total
        self._started = time.monotonic()
        self._task = self._progress.add_task(
            "batch", total=total, done=0, failed=0, running=0, eta=eta(total, 0, 0)
        )
        self._progress.start()

    def update(self, *, done: int, failed: int, running: int) -> None:
        finished = done + failed
        self._progress.update(
            self._task,
            completed=finished,
            done=done,
            failed=failed,
            running=running,
            eta=eta(self._total, finished, time.monotonic() - self._started),
        )

    def note(self, text: str) -> None:
        from rich.markup import escape

        self._progress.console.print(escape(text))

    def close(self) -> None:
        self._progress.stop()


def batch_progress(total: int) -> BatchProgress:
    console = _rich_console(stderr=True) if sys.stderr.isatty() else None
    if console is None or not console.is_terminal:
        return _PlainProgress(total)
    return _RichProgress(console, total)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table on stdout: rich's on a terminal, aligned plain text otherwise (a pipe, a file:
    no box characters for the next program to parse)."""
    console = _rich_console(stderr=False) if sys.stdout.isatty() else None
    if console is not None and console.is_terminal:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for number, header in enumerate(headers, start=1):
            # Ids and paths stay whole (they get copied); only the last column wraps.
            table.add_column(header, overflow="fold", no_wrap=number < len(headers))
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    print(title)
    for row in (headers, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
