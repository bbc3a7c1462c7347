"""A batch's lines matched with the journal: what each needs, and how each ended."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from pathlib import Path

from ideogram_facade import ApikleyError

from ._batchfile import Line
from ._exitcodes import redact
from ._journal import EXPIRED, BatchJournal, Row, State


class Outcome(enum.StrEnum):
    DONE = "done"  # images on disk
    FAILED = "failed"  # the task failed, or the line was refused or cannot be read
    UNCERTAIN = "uncertain"  # createTask may have made a task: check the dashboard
    UNFINISHED = "unfinished"  # has a task that did not finish here: the next run resumes it
    PENDING = "pending"  # not started in this run: the next run submits it


@dataclass
class Item:
    line: Line
    key: str = ""
    row: Row | None = None
    task_id: str | None = None
    files: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    message: str | None = None

    def finish(self, outcome: Outcome, message: str | None = None) -> None:
        self.outcome = outcome
        self.message = redact(message) if message else None

    @property
    def state(self) -> Outcome:
        """The outcome; a line this run did not finish is unfinished if it has a task."""
        if self.outcome is not None:
            return self.outcome
        return Outcome.UNFINISHED if self.task_id else Outcome.PENDING


def why(error: BaseException) -> str:
    """An error as the summary shows it: the task id has a column of its own."""
    return redact(error.message if isinstance(error, ApikleyError) else str(error))


def plan(lines: list[Line], journal: BatchJournal) -> list[Item]:
    """Match the file's lines with the journal's rows; settle what needs no request."""
    rows = {(row.line, row.request_hash): row for row in journal.rows()}
    items: list[Item] = []
    unmatched: list[Item] = []
    for line in lines:
        if line.request is None:
            items.append(Item(line, outcome=Outcome.FAILED, message=line.error))
            continue
        item = Item(line, line.request.key(), rows.pop((line.number, line.request.key()), None))
        items.append(item)
        if item.row is None:
            unmatched.append(item)
    # Lines inserted above a request move it, not re-send it: a row follows its request.
    by_hash: dict[str, list[Row]] = {}
    for row in rows.values():
        by_hash.setdefault(row.request_hash, []).append(row)
    for item in unmatched:
        candidates = by_hash.get(item.key)
        if candidates:
            moved = candidates.pop(0)
            journal.move(moved, item.line.number)
            item.row = replace(moved, line=item.line.number)
    for item in items:
        found = item.row
        if found is None or item.outcome is not None:
            continue
        item.task_id = found.task_id
        if found.state is State.SUBMITTING:
            message = (
                "a previous run stopped while this line's createTask was in flight, so a task "
                "may exist: look for it in the Apikley dashboard"
            )
            journal.uncertain(found, message)
            item.finish(Outcome.UNCERTAIN, message)
        elif found.state is State.UNCERTAIN:
            item.finish(Outcome.UNCERTAIN, found.error)
        elif found.state is State.SUBMITTED and found.expired:
            assert found.task_id is not None
            journal.expired(found.task_id)  # gone from the service: not waited for
            item.finish(Outcome.FAILED, EXPIRED)
        elif found.state in (State.FAILED, State.EXPIRED):
            item.finish(Outcome.FAILED, found.error)
        elif found.state is State.SUCCEEDED and all(Path(name).is_file() for name in found.files):
            item.files = list(found.files)
            item.finish(Outcome.DONE)
    return items
