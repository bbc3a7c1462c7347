"""The task journal, for programs that read it or build on it (a batch runner, a dashboard):
every task that clients with `journal=` paid for, in SQLite or PostgreSQL.

    from ideogram_facade.journal import Journal, State

    journal = Journal.open("tasks.sqlite3", sandbox=None)  # either kind: it is only read
    for entry in journal.entries():
        print(entry.id, entry.label, entry.state, entry.task_id)

`ideogram-character batch` is built on it: it submits each line with `label=` and finds the
line's entry again by it (`relabel()` moves an entry with its line). How the journal keeps a
paid task from being lost, and how several processes share one: docs/design.md.
"""

from __future__ import annotations

from ._files import download_stem
from ._journal import EXPIRED, Journal, JournalEntry, State, damaged_row, unusable

__all__ = ["EXPIRED", "Journal", "JournalEntry", "State", "damaged_row", "image_stem", "unusable"]


def image_stem(task_id: str) -> str:
    """How `download()` names a task's images, `<stem>_<n>.<ext>`: the task id, made safe for
    a file name. A folder's images can so be matched with the journal's tasks."""
    return download_stem(task_id, "")
